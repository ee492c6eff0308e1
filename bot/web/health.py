"""`/healthz`: 200 when the state store and the database answer, 503 otherwise."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

Check = Callable[[], Awaitable[bool]]


@dataclass(slots=True)
class Health:
    """The checks `/healthz` runs; each resource's cleanup context adds its own."""

    checks: list[Check] = field(default_factory=list)


HEALTH: Final = web.AppKey("health", Health)


async def healthz(request: web.Request) -> web.Response:
    results = [await check() for check in request.config_dict[HEALTH].checks]
    ok = bool(results) and all(results)
    return web.json_response({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)


def health_app() -> web.Application:
    app = web.Application()
    app.router.add_get("", healthz)
    return app
