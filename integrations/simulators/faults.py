"""Fault switch shared by the simulators: make the next N contract requests fail or hang."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class FaultSwitch:
    """What the next `remaining` contract requests suffer, and how many were served.

    `requests` counts every contract request that reached the simulator (faulted or not),
    so a test can prove how many attempts a client made.
    """

    status: int | None = None
    delay: float = 0.0
    remaining: int = 0
    requests: int = 0

    async def apply(self) -> tuple[web.Response | None, float]:
        """This request's fault: an error reply (after the delay, a hang that fails), or
        else how long to hold the real answer - a slow system does the work, then answers
        late, so a client that stopped waiting cannot tell whether an SMS went out."""
        self.requests += 1
        if self.remaining <= 0:
            return None, 0.0
        self.remaining -= 1
        if self.status is None:
            return None, self.delay
        if self.delay:
            await asyncio.sleep(self.delay)
        return error(self.status, "injected fault"), 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "delay": self.delay,
            "remaining": self.remaining,
            "requests": self.requests,
        }


FAULTS = web.AppKey("faults", FaultSwitch)


def error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, or a 400 `{"error"}` reply when it is not JSON."""
    try:
        return json.loads(await request.text())
    except (ValueError, RecursionError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body is not valid JSON"}), content_type="application/json"
        ) from exc


def faultable(handler: Handler) -> Handler:
    """Wrap a contract endpoint so that the app's fault switch applies to it."""

    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        fault, late = await request.app[FAULTS].apply()
        if fault is not None:
            return fault
        answer = await handler(request)
        await asyncio.sleep(late)
        return answer

    return wrapped


async def set_faults(request: web.Request) -> web.Response:
    """`POST /faults {"status": 503, "count": 2}` or `{"delay": 6}`; `{"count": 0}` clears."""
    body = await read_json(request)
    if not isinstance(body, dict):
        return error(400, "body must be a JSON object")
    status, delay, count = body.get("status"), body.get("delay", 0), body.get("count", 1)
    if status is not None and (
        not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599
    ):
        return error(400, "status must be an HTTP error status 400-599")
    if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 60:
        return error(400, "delay must be a number of seconds 0-60")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return error(400, "count must be a whole number >= 0")
    if count and status is None and not delay:
        return error(400, "give a status, a delay or both")
    switch = request.app[FAULTS]
    switch.status, switch.delay, switch.remaining = status, float(delay), count
    return web.json_response(switch.as_json())


async def show_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS].as_json())


def add_fault_switch(app: web.Application) -> None:
    app[FAULTS] = FaultSwitch()
    app.router.add_post("/faults", set_faults)
    app.router.add_get("/faults", show_faults)
