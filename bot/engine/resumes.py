"""Replies that leave outside a person's turn: typed resume events go into a queue, a
consumer runs each through the engine and pushes the reply through the person's channel.

The queue decouples who posts (a signature wait, the `/sign` page) from the engine that
consumes, so nothing needs the engine before it exists."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

from bot.background import running
from bot.engine.messages import Reply, Resume

log = logging.getLogger("regbot.resumes")

Push = Callable[[str, Reply], Awaitable[None]]  # (user_id, reply)
QUEUE_LIMIT: Final = 10_000


class Pushes:
    """Per-channel push callbacks; a channel registers one when it can reach a person
    outside their turn (USSD cannot: its person asks on their next screen)."""

    def __init__(self) -> None:
        self._pushes: dict[str, Push] = {}

    def register(self, channel: str, push: Push) -> None:
        self._pushes[channel] = push

    def can_push(self, channel: str) -> bool:
        return channel in self._pushes

    async def push(self, channel: str, user_id: str, reply: Reply) -> None:
        push = self._pushes.get(channel)
        if push is not None:
            await push(user_id, reply)


class Resumes:
    """The outbox of resume events, consumed while the app runs (`consuming`)."""

    def __init__(self, pushes: Pushes) -> None:
        self.pushes = pushes
        self._queue: asyncio.Queue[Resume] = asyncio.Queue(QUEUE_LIMIT)

    def post(self, event: Resume) -> None:
        """Never blocks a turn: without a push the person asks on their next turn anyway."""
        if not self.pushes.can_push(event.channel):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("resume event dropped: queue full")

    @contextlib.asynccontextmanager
    async def consuming(
        self, resume: Callable[[Resume], Awaitable[Reply | None]]
    ) -> AsyncIterator[None]:
        """Run every posted event through `resume` (the engine) and push its reply."""

        async def consume() -> None:
            while True:
                event = await self._queue.get()
                try:
                    reply = await resume(event)
                    if reply is not None:
                        await self.pushes.push(event.channel, event.user_id, reply)
                except Exception:  # one failed push must not stop the others
                    log.exception("resume event failed on %s", event.channel)
                finally:
                    self._queue.task_done()

        async with running(consume()):
            yield

    async def settle(self) -> None:
        """Wait until every posted event was consumed and its reply pushed (tests)."""
        await self._queue.join()
