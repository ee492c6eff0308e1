"""Rate limits and lockouts over the shared Counters, keyed by hashes, never by clear IDs.

Every limit is spent before the thing it limits happens, in one atomic step per counter
(`Counters.spend_within`): parallel requests cannot all pass a check made before a
spend. What turns out not to count (details that matched, a call that never happened)
is given back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


Subject = tuple[str, str]  # (kind, value): ("phone", "+849..."), ("bhxh", code), ...


def caller(channel: str, user_id: str) -> Subject:
    """Who is asking: the person on their channel (a chat, an account; on USSD the
    caller's number, which the gateway vouches for)."""
    return ("caller", f"{channel}:{user_id}")


@dataclass(frozen=True, slots=True)
class Spent:
    """An attempt counted against several limits: the counter keys (to give back), how
    many tries the first limit leaves, and `wait` > 0 when a limit refused it."""

    keys: tuple[str, ...]
    left: int
    wait: int = 0


class Limits:
    """Limits on subjects such as ("phone", "+849...") or ("bhxh", code): the counter
    of a subject is named by a keyed hash (a key of its own, not the accounts table's),
    so the store never holds an ID in clear and cannot be joined with the database."""

    def __init__(self, counters: Counters, subject_hash: Callable[[str, str], str]) -> None:
        self._counters = counters
        self._hash = subject_hash

    def key(self, limit: Limit, kind: str, value: str) -> str:
        return f"{limit.name}:{self._hash(kind, value)}"

    async def blocked(self, limit: Limit, kind: str, value: str) -> int:
        """0 when the subject may go on, else the seconds until its window ends. A look
        only, to say so early or to answer alike; the decision is a spend's."""
        key = self.key(limit, kind, value)
        if await self._counters.count(key) < limit.allowed:
            return 0
        return max(1, await self._counters.ttl(key))

    async def spend(self, limit: Limit, kind: str, value: str) -> int:
        """Count one event: 0 when within the limit, else the seconds until its window
        ends (the check and the count are one step)."""
        spent = await self._counters.spend_within(
            self.key(limit, kind, value), limit.allowed, limit.window_seconds
        )
        return 0 if spent.allowed else max(1, spent.retry_after)

    async def spend_all(self, limits: Sequence[tuple[Limit, Subject]]) -> Spent:
        """Count one attempt against each limit, in order. The first that refuses stops
        it, and the ones spent before it are given back: an attempt refused costs
        nothing, so a stranger refused by their own limit cannot use up anyone else's.
        One atomic step, one round trip (`Counters.spend_all_within`)."""
        keys = [self.key(limit, kind, value) for limit, (kind, value) in limits]
        results = await self._counters.spend_all_within(
            [
                (key, limit.allowed, limit.window_seconds)
                for key, (limit, _) in zip(keys, limits, strict=True)
            ]
        )
        if results and not results[-1].allowed:
            return Spent((), 0, max(1, results[-1].retry_after))
        left = limits[0][0].allowed - results[0].count if results else 0
        return Spent(tuple(keys), left)

    async def give_back(self, keys: Sequence[str]) -> None:
        """Uncount what turned out not to count (details that matched, no call made)."""
        await self._counters.give_back_all(keys)


def local_time(now: datetime, seconds: int) -> str:
    """When a wait of `seconds` from `now` ends, as HH:MM in Vietnam (people's own clock)."""
    return (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE).strftime("%H:%M")


def local_moment(now: datetime, seconds: int) -> str:
    """As `local_time`, with the date when the wait ends on another day (daily limits)."""
    then = (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE)
    if then.date() == now.astimezone(LOCAL_ZONE).date():
        return then.strftime("%H:%M")
    return then.strftime("%H:%M %d/%m/%Y")
