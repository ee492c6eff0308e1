"""Signature events: a SIM's answer or a USB token's posted signature continues the
person's dialog (a typed `SignatureArrived` resume) where their channel can push; the
background waits that watch for a SIM's answer are kept here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Final

from bot.engine.messages import SignatureArrived
from bot.engine.resumes import Resumes

log = logging.getLogger("regbot.signing.events")

CHECK_CHOICE: Final = "check"  # the choice of the waiting step that reads the outcome


class SigningEvents:
    """Posts signature events and keeps the background waits it started."""

    def __init__(self, resumes: Resumes) -> None:
        self._resumes = resumes
        self._tasks: set[asyncio.Task[Any]] = set()

    def can_push(self, channel: str) -> bool:
        return self._resumes.pushes.can_push(channel)

    def arrived(self, channel: str, user_id: str, at_step: str) -> None:
        """The signature the person's step waits for has arrived (or failed): continue."""
        self._resumes.post(SignatureArrived(channel, user_id, at_step))

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
