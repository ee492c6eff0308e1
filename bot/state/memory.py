"""In-process StateStore and Counters for the embedded default and tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from bot.state.store import Held, Spend


class MemoryStore:
    """A dict with expiry; a lock per key (one process only, which is what it serves)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[bytes, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires <= self._clock():
            del self._values[key]
            return None
        return value

    async def save(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._values[key] = (value, self._clock() + ttl_seconds)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:
                self._locks.pop(key, None)

    @asynccontextmanager
    async def hold(self, keys: Sequence[str]) -> AsyncIterator[Held]:
        async with self.lock(keys[0]):
            held = Held({key: await self.load(key) for key in keys})
            yield held
            for key, (value, ttl) in held.writes.items():
                if value is None:
                    await self.delete(key)
                else:
                    await self.save(key, value, ttl)


class MemoryCounters:
    """Fixed-window counters with expiry."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}

    def _live(self, key: str) -> tuple[int, float] | None:
        item = self._counts.get(key)
        if item and item[1] <= self._clock():
            del self._counts[key]
            return None
        return item

    def _spend(self, key: str, allowed: int, window_seconds: int) -> Spend:
        # not async: nothing can run between reading the count and writing it
        item = self._live(key)
        count, expires = item if item else (0, self._clock() + window_seconds)
        self._counts[key] = (count + 1, expires)
        return Spend(count + 1 <= allowed, count + 1, self._left(expires))

    async def spend_all_within(self, limits: Sequence[tuple[str, int, int]]) -> list[Spend]:
        # no await inside: the spends and the give-backs of a refusal are one step
        spent: list[Spend] = []
        for key, allowed, window_seconds in limits:
            spent.append(self._spend(key, allowed, window_seconds))
            if not spent[-1].allowed:
                for earlier, _, _ in limits[: len(spent) - 1]:
                    self._give_back(earlier)
                break
        return spent

    async def spend_within(self, key: str, allowed: int, window_seconds: int) -> Spend:
        return self._spend(key, allowed, window_seconds)

    async def give_back(self, key: str) -> None:
        self._give_back(key)

    async def give_back_all(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._give_back(key)

    def _give_back(self, key: str) -> None:
        item = self._live(key)
        if item and item[0] > 0:
            self._counts[key] = (item[0] - 1, item[1])

    async def count(self, key: str) -> int:
        item = self._live(key)
        return item[0] if item else 0

    async def ttl(self, key: str) -> int:
        item = self._live(key)
        return self._left(item[1]) if item else 0

    def _left(self, expires: float) -> int:
        return max(0, int(expires - self._clock() + 0.999))
