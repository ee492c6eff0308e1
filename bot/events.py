"""Conversation events for the agents' dashboard: one per turn, personal data already
masked (the person is a keyed hash), shared by all workers through the event sink."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Final, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.engine import TurnRecord

log = logging.getLogger("regbot.events")

KEEP: Final = 2000  # the newest events kept (memory deque, approximate Redis MAXLEN)


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    at: float  # unix time
    channel: str
    person: str  # `channel:<keyed hash>`, stable per person, meaningless outside regbot
    step_before: str
    step: str
    outcome: str  # what the person did: text, choose, back, cancel, ...
    ms: float
    ended: bool

    @classmethod
    def of(cls, record: TurnRecord) -> ConversationEvent:
        return cls(
            time.time(),
            record.channel,
            record.person,
            record.step_before,
            record.step_after,
            record.outcome,
            round(record.seconds * 1000, 2),
            record.ended,
        )


class EventSink(Protocol):
    def emit(self, event: ConversationEvent) -> None:
        """Never blocks a turn and never fails one."""
        ...

    async def recent(self, limit: int) -> list[ConversationEvent]:
        """Newest first."""
        ...


class MemorySink:
    """The embedded default: this process's events."""

    def __init__(self, keep: int = KEEP) -> None:
        self._events: deque[ConversationEvent] = deque(maxlen=keep)

    def emit(self, event: ConversationEvent) -> None:
        self._events.append(event)

    async def recent(self, limit: int) -> list[ConversationEvent]:
        return list(reversed(self._events))[:limit]


class RedisStreamSink:
    """A Redis stream every worker writes to; batched, so a turn costs no round trip."""

    def __init__(self, client: Redis, key: str = "regbot:events", flush_every: float = 0.5):
        self._client = client
        self._key = key
        self._flush_every = flush_every
        self._buffer: list[ConversationEvent] = []

    def emit(self, event: ConversationEvent) -> None:
        if len(self._buffer) < 10 * KEEP:  # Redis down for long: drop, never grow unbounded
            self._buffer.append(event)

    async def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for event in batch:
                    pipe.xadd(
                        self._key, {"e": json.dumps(asdict(event))}, maxlen=KEEP, approximate=True
                    )
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("conversation events lost: %s", type(exc).__name__)

    async def recent(self, limit: int) -> list[ConversationEvent]:
        entries = await self._client.xrevrange(self._key, count=limit) or []
        return [ConversationEvent(**json.loads(fields[b"e"])) for _, fields in entries if fields]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Flush in the background while the app runs, and once more at the end."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(self._flush_every)
                await self.flush()

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.flush()
