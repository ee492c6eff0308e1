"""Conversation events for the support console's live list: one per turn (and per agent
action), personal data already masked (the person is a keyed hash and a masked label),
shared by all workers through the event sink, which every worker's console follows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.background import every
from bot.engine import TurnRecord
from bot.support.masking import person_label

log = logging.getLogger("regbot.events")

KEEP: Final = 2000  # the newest events kept (memory deque, approximate Redis MAXLEN)
FOLLOWERS_QUEUE: Final = 1000
BLOCK_MS: Final = 1000  # a follower's XREAD waits this long (under the socket timeout)
RETRY_FIRST: Final = 1.0  # seconds a follower waits for Redis to come back, doubling to
RETRY_MAX: Final = 10.0  # at most: an outage logs a line every 10 s, not every second


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    at: float  # unix time
    channel: str
    person: str  # `channel:<keyed hash>`, stable per person, meaningless outside regbot
    step_before: str
    step: str
    outcome: str  # what the person did: text, choose, back, cancel, to_agent, take_over...
    ms: float
    ended: bool
    who: str = ""  # masked: `+8491****678`, or the end of the id on the channel
    kind: str = ""
    method: str = ""
    failures: int = 0  # refused answers at `step`
    entered: float = 0.0  # when the person reached `step`
    paused: bool = False  # an agent has the conversation
    agent: str = ""

    @classmethod
    def of(cls, record: TurnRecord) -> ConversationEvent:
        said = record.said
        return cls(
            time.time(),
            record.channel,
            record.person,
            record.step_before,
            record.step_after,
            record.outcome,
            round(record.seconds * 1000, 2),
            record.ended,
            who=person_label(said.personal, said.user_id) if said else "",
            kind=record.kind,
            method=record.method,
            failures=record.failures,
            entered=record.entered,
            paused=record.paused,
            agent=record.agent,
        )

    @classmethod
    def loads(cls, data: str | bytes) -> ConversationEvent:
        """Tolerant of events written by an older or newer worker (fields come and go:
        msgspec skips the unknown ones and fills the missing ones' defaults)."""
        return _DECODER.decode(data)

    def dumps(self) -> bytes:
        return _ENCODER.encode(self)


_ENCODER: Final = msgspec.json.Encoder()
_DECODER: Final = msgspec.json.Decoder(ConversationEvent)


class EventSink(Protocol):
    def emit(self, event: ConversationEvent) -> None:
        """Never blocks a turn and never fails one."""
        ...

    async def recent(self, limit: int) -> list[ConversationEvent]:
        """Newest first."""
        ...

    def follow(self, replay: int = 0) -> AsyncIterator[ConversationEvent]:
        """The last `replay` events, then every event emitted from now on by any worker,
        oldest first, with no gap between the two."""
        ...


class MemorySink:
    """The embedded default: this process's events."""

    def __init__(self, keep: int = KEEP) -> None:
        self._events: deque[ConversationEvent] = deque(maxlen=keep)
        self._followers: set[asyncio.Queue[ConversationEvent]] = set()

    def emit(self, event: ConversationEvent) -> None:
        self._events.append(event)
        for queue in self._followers:
            with contextlib.suppress(asyncio.QueueFull):  # a stuck follower loses events
                queue.put_nowait(event)

    async def recent(self, limit: int) -> list[ConversationEvent]:
        return list(reversed(self._events))[:limit]

    async def follow(self, replay: int = 0) -> AsyncIterator[ConversationEvent]:
        queue: asyncio.Queue[ConversationEvent] = asyncio.Queue(FOLLOWERS_QUEUE)
        self._followers.add(queue)  # no await between this and the snapshot: no gap
        past = list(self._events)[-replay:] if replay else []
        try:
            for event in past:
                yield event
            while True:
                yield await queue.get()
        finally:
            self._followers.discard(queue)


class RedisStreamSink:
    """A Redis stream every worker writes to; batched, so a turn costs no round trip."""

    def __init__(self, client: Redis, key: str = "regbot:events", flush_every: float = 0.2):
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
                    pipe.xadd(self._key, {"e": event.dumps()}, maxlen=KEEP, approximate=True)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("conversation events lost: %s", type(exc).__name__)

    async def recent(self, limit: int) -> list[ConversationEvent]:
        entries = await self._client.xrevrange(self._key, count=limit) or []
        return [e for _, fields in entries if (e := _readable(fields)) is not None]

    async def follow(self, replay: int = 0) -> AsyncIterator[ConversationEvent]:
        """The last `replay` entries, then XREAD from the newest of them on; Redis down:
        wait and read on from where it was (nothing written meanwhile is missed)."""
        last, pause = "0-0", RETRY_FIRST
        while True:
            try:
                past: Any = await self._client.xrevrange(self._key, count=max(replay, 1))
                break
            except (RedisError, OSError) as exc:
                _unless_cancelled(exc)
                log.warning("reading conversation events: %s", type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
        if past:
            newest = past[0][0]
            last = newest.decode() if isinstance(newest, bytes) else newest
        for _, data in reversed(past[:replay] if replay else []):
            if (event := _readable(data)) is not None:
                yield event
        pause = RETRY_FIRST
        while True:
            _unless_cancelled(None)  # redis-py may have swallowed a cancel in a retry
            try:
                answer: Any = await self._client.xread({self._key: last}, count=500, block=BLOCK_MS)
            except (RedisError, OSError) as exc:
                _unless_cancelled(exc)
                log.warning("following conversation events: %s", type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            pause = RETRY_FIRST
            for _, entries in answer or []:
                for entry_id, data in entries:
                    last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    if (event := _readable(data)) is not None:
                        yield event

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Flush in the background while the app runs, and once more at the end."""
        return every(self._flush_every, self.flush)


def _readable(data: Mapping[Any, Any] | None) -> ConversationEvent | None:
    """An entry this worker cannot read (another version's, damaged) is skipped: one bad
    entry must not stop every console's live list."""
    if not data or b"e" not in data:
        return None
    try:
        return ConversationEvent.loads(data[b"e"])
    except msgspec.DecodeError:
        log.warning("a conversation event could not be read; skipped")
        return None


def _unless_cancelled(exc: BaseException | None) -> None:
    """A follower being stopped stops: redis-py may turn the cancel of a blocked read into
    a connection error, or retry the read and swallow it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc
