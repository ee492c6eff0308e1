"""The StateStore port: bytes by key with a TTL, and a per-key lock across processes."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol


class StoreUnavailable(Exception):
    """The state store cannot be reached; the person is asked to try again."""


@dataclass(slots=True)
class Held:
    """Values read under a person's lock; what is put or dropped is written on release.

    One round trip in, one out (on Redis): a USSD request reads the dialog and the
    channel state together and writes them back together.
    """

    values: dict[str, bytes | None]
    writes: dict[str, tuple[bytes | None, int]] = field(default_factory=dict)

    def get(self, key: str) -> bytes | None:
        if key in self.writes:
            return self.writes[key][0]
        return self.values.get(key)

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.writes[key] = (value, ttl_seconds)

    def drop(self, key: str) -> None:
        self.writes[key] = (None, 0)


class StateStore(Protocol):
    """Where dialog state lives (never in process memory of a worker in production)."""

    async def load(self, key: str) -> bytes | None: ...

    async def save(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Serialise the turns of one person: held for a whole turn."""
        ...

    def hold(self, keys: Sequence[str]) -> AbstractAsyncContextManager[Held]:
        """Lock `keys[0]` and read every key; on a clean exit write the Held's puts and
        drops, then unlock (an exception discards them)."""
        ...


@dataclass(frozen=True, slots=True)
class Spend:
    """What `Counters.spend_within` answers."""

    allowed: bool  # within the limit: go on (the event is counted either way)
    count: int  # events in the window, this one included
    retry_after: int  # seconds until the window ends


class Counters(Protocol):
    """Counts of events in fixed time windows, shared by all workers (rate limits,
    lockouts). A window starts with its first event; later events do not extend it."""

    async def spend_within(self, key: str, allowed: int, window_seconds: int) -> Spend:
        """Count one event and say whether it is within `allowed` per window, in one
        atomic step: parallel requests can never all pass a check made before the count."""
        ...

    async def spend_all_within(self, limits: Sequence[tuple[str, int, int]]) -> list[Spend]:
        """`spend_within` for each (key, allowed, window_seconds) in order, as one atomic
        step (one round trip on Redis): the first that refuses stops it, and those counted
        before it are given back. The Spends of the counters spent, the refusing one last."""
        ...

    async def give_back(self, key: str) -> None:
        """Uncount one event that turned out not to be what the limit counts (details that
        matched, a call that never happened). Never below zero; the window stays."""
        ...

    async def give_back_all(self, keys: Sequence[str]) -> None:
        """`give_back` for each key, in one step (one round trip on Redis)."""
        ...

    async def count(self, key: str) -> int: ...

    async def ttl(self, key: str) -> int:
        """Seconds until the window of `key` ends (0 if none)."""
        ...
