"""Work a turn leaves for later (an SMS) starts only once the HTTP reply has been written,
then after a random pause: its cost and its timing say nothing about the reply.

A forgot-password request that matches an account hands an SMS off; one that matches
nothing does not. Started on the loop during the turn, the SMS task ran before the reply
was flushed and made a match ~0.7 ms slower. `after_reply` (a middleware) holds such
work until the response is written; outside an HTTP request (the terminal, a Telegram
update from polling) only the pause applies.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler

JITTER_SECONDS: Final = (0.05, 0.3)


@dataclass(slots=True)
class _Held:
    released: asyncio.Event = field(default_factory=asyncio.Event)
    used: bool = False


_HELD: ContextVar[_Held | None] = ContextVar("regbot_after_reply", default=None)


def after_the_reply(
    work: Coroutine[Any, Any, None], jitter: tuple[float, float] = JITTER_SECONDS
) -> Coroutine[Any, Any, None]:
    """`work`, to run as a task: it waits for this request's reply to be written (when
    there is one), then a random pause, and only then begins."""
    held = _HELD.get()
    if held is not None:
        held.used = True

    async def run() -> None:
        started = False
        try:
            if held is not None:
                await held.released.wait()
            await asyncio.sleep(random.uniform(*jitter))
            started = True
            await work
        finally:
            if not started:
                work.close()  # cancelled while held: never awaited, never half run

    return run()


@web.middleware
async def after_reply(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Write the reply in full, then release what the request left for later."""
    held = _Held()
    token = _HELD.set(held)
    try:
        response = await handler(request)
    except BaseException:
        held.released.set()
        raise
    finally:
        _HELD.reset(token)
    if not held.used or response.prepared:
        held.released.set()
        return response
    try:
        await response.prepare(request)
        await response.write_eof()
    finally:
        held.released.set()
    return response
