"""The StateStore port: bytes by key with a TTL, and a per-key lock across processes."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class StoreUnavailable(Exception):
    """The state store cannot be reached; the person is asked to try again."""


class StateStore(Protocol):
    """Where dialog state lives (never in process memory of a worker in production)."""

    async def load(self, key: str) -> bytes | None: ...

    async def save(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Serialise the turns of one person: held for a whole turn."""
        ...


class Counters(Protocol):
    """Counts of events in a time window, shared by all workers (rate limits, lockouts)."""

    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one event; return the count in the current window."""
        ...

    async def count(self, key: str) -> int: ...

    async def ttl(self, key: str) -> int:
        """Seconds until the window of `key` ends (0 if none)."""
        ...

    async def reset(self, key: str) -> None: ...
