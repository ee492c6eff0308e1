"""Rate limits and lockouts over the shared Counters, keyed by hashes, never by clear IDs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.state.store import Counters

LOCAL_ZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR: Final = 3600
DAY: Final = 24 * HOUR


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `allowed` events per `window_seconds` for one subject (e.g. one identity)."""

    name: str
    allowed: int
    window_seconds: int


class Limits:
    """Limits on subjects such as ("phone", "+849...") or ("bhxh", code): the counter
    of a subject is named by a keyed hash, so the store never holds an ID in clear."""

    def __init__(self, counters: Counters, subject_hash: Callable[[str, str], str]) -> None:
        self._counters = counters
        self._hash = subject_hash

    def key(self, limit: Limit, kind: str, value: str) -> str:
        return f"{limit.name}:{self._hash(kind, value)}"

    async def blocked(self, limit: Limit, kind: str, value: str) -> int:
        """0 when the subject may go on, else the seconds until its window ends."""
        key = self.key(limit, kind, value)
        if await self._counters.count(key) < limit.allowed:
            return 0
        return max(1, await self._counters.ttl(key))

    async def spend(self, limit: Limit, kind: str, value: str) -> int:
        """Count one event; returns the count in the window."""
        return await self._counters.hit(self.key(limit, kind, value), limit.window_seconds)

    async def reset(self, limit: Limit, kind: str, value: str) -> None:
        await self._counters.reset(self.key(limit, kind, value))


def local_time(now: datetime, seconds: int) -> str:
    """When a wait of `seconds` from `now` ends, as HH:MM in Vietnam (people's own clock)."""
    return (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE).strftime("%H:%M")


def local_moment(now: datetime, seconds: int) -> str:
    """As `local_time`, with the date when the wait ends on another day (daily limits)."""
    then = (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE)
    if then.date() == now.astimezone(LOCAL_ZONE).date():
        return then.strftime("%H:%M")
    return then.strftime("%H:%M %d/%m/%Y")
