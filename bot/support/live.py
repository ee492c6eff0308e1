"""The live board: every unfinished conversation as its latest event says - step, time in
the step, refused answers, whether an agent has it - followed from the event sink, so a
worker's console sees the turns of all workers. One board per worker; pages subscribe."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from bot.background import running
from bot.events import KEEP, ConversationEvent, EventSink
from bot.support.masking import is_phone_label

STUCK_FAILURES: Final = 3
STUCK_SECONDS: Final = 180


@dataclass(frozen=True, slots=True)
class LiveFilter:
    channel: str = ""
    method: str = ""
    stuck: bool = False


@dataclass(frozen=True, slots=True)
class LiveRow:
    event: ConversationEvent
    seconds: int  # in the current step
    stuck: bool


class LiveBoard:
    def __init__(
        self, sink: EventSink, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._sink = sink
        self._ttl = ttl_seconds
        self._clock = clock
        self._latest: dict[str, ConversationEvent] = {}
        self._waiting: set[asyncio.Event] = set()

    def apply(self, event: ConversationEvent) -> None:
        old = self._latest.get(event.person)
        if event.ended:
            self._latest.pop(event.person, None)
        else:
            if old is not None and is_phone_label(old.who) and not is_phone_label(event.who):
                event = replace(event, who=old.who)  # keep the phone once the dialog knew it
            self._latest[event.person] = event
        for waiting in self._waiting:
            waiting.set()

    def rows(self, only: LiveFilter = LiveFilter()) -> list[LiveRow]:
        """Unfinished conversations (idle past the session TTL: expired), stuck first."""
        now = self._clock()
        for person in [p for p, e in self._latest.items() if now - e.at > self._ttl]:
            del self._latest[person]
        rows = []
        for event in self._latest.values():
            seconds = max(0, int(now - (event.entered or event.at)))
            stuck = event.failures >= STUCK_FAILURES or seconds >= STUCK_SECONDS
            if only.channel and event.channel != only.channel:
                continue
            if only.method and event.method != only.method:
                continue
            if only.stuck and not stuck:
                continue
            rows.append(LiveRow(event, seconds, stuck))
        return sorted(rows, key=lambda row: (not row.stuck, -row.seconds))

    def channels(self) -> list[str]:
        return sorted({e.channel for e in self._latest.values()})

    async def changed(self, within: float) -> bool:
        """Wait for the next event (True) or `within` seconds (False)."""
        event = asyncio.Event()
        self._waiting.add(event)
        try:
            async with asyncio.timeout(within):
                await event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting.discard(event)

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Replay the recent events, then follow the sink, while the app runs."""

        async def follow() -> None:
            async for event in self._sink.follow(replay=KEEP):
                self.apply(event)

        return running(follow())
