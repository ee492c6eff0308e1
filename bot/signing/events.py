"""Things that happen outside a person's turn (a SIM signature completes, a USB token's
signature is posted) enter the engine as a pressed choice; the reply goes out through
the channel's push, when the channel can push (the terminal prints, USSD cannot)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final

from bot.engine.messages import Action, Inbound, Reply

log = logging.getLogger("regbot.signing.events")

CHECK_CHOICE: Final = "check"  # the choice of the waiting step that reads the outcome

Push = Callable[[str, Reply], Awaitable[None]]  # (user_id, reply)
Handle = Callable[[Inbound], Awaitable[Reply]]
WhereIs = Callable[[str, str], Awaitable[str | None]]  # (channel, user_id) -> step


class ChannelPushes:
    """Per-channel push callbacks; a channel registers one when it can reach a person
    outside their turn."""

    def __init__(self) -> None:
        self._pushes: dict[str, Push] = {}

    def register(self, channel: str, push: Push) -> None:
        self._pushes[channel] = push

    def get(self, channel: str) -> Push | None:
        return self._pushes.get(channel)


class SigningEvents:
    """Feeds events into the engine and keeps the background waits it started."""

    def __init__(self, pushes: ChannelPushes) -> None:
        self.pushes = pushes
        self._handle: Handle | None = None
        self._where: WhereIs | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, handle: Handle, where: WhereIs) -> None:
        """Bind the engine (built after the services that hold these events)."""
        self._handle, self._where = handle, where

    def can_push(self, channel: str) -> bool:
        return self.pushes.get(channel) is not None

    async def deliver(self, channel: str, user_id: str, choice: str, at_step: str) -> None:
        """Press `choice` for the person if they are still at `at_step`, and push the reply."""
        push = self.pushes.get(channel)
        if self._handle is None or self._where is None or push is None:
            return  # without a push the person asks ("I have signed") on their next turn
        if await self._where(channel, user_id) != at_step:
            return  # the person moved on (or left): nothing to continue
        reply = await self._handle(Inbound(channel, user_id, action=Action.CHOOSE, choice=choice))
        await push(user_id, reply)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; failures are logged, never lost silently."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("signing event failed", exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
