"""Rate limits and lockouts over the shared Counters, keyed by hashes, never by clear IDs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.engine.spec import StepContext

LOCAL_ZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR: Final = 3600
DAY: Final = 24 * HOUR


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `allowed` events per `window_seconds` for one subject (e.g. one identity)."""

    name: str
    allowed: int
    window_seconds: int


def subject_key(ctx: StepContext, limit: Limit, kind: str, value: str) -> str:
    """The counter key of a subject: a keyed hash, so Redis never holds an ID in clear."""
    return f"{limit.name}:{ctx.services.keys.identity_hash(kind, value)}"


async def seconds_blocked(ctx: StepContext, limit: Limit, key: str) -> int:
    """0 when the subject may go on, else the seconds until its window ends."""
    counters = ctx.services.counters
    if await counters.count(key) < limit.allowed:
        return 0
    return max(1, await counters.ttl(key))


async def spend(ctx: StepContext, limit: Limit, key: str) -> int:
    """Count one event; returns the count in the window."""
    return await ctx.services.counters.hit(key, limit.window_seconds)


def local_time(now: datetime, seconds: int) -> str:
    """When a wait of `seconds` from `now` ends, as HH:MM in Vietnam (people's own clock)."""
    return (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE).strftime("%H:%M")


def local_moment(now: datetime, seconds: int) -> str:
    """As `local_time`, with the date when the wait ends on another day (daily limits)."""
    then = (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE)
    if then.date() == now.astimezone(LOCAL_ZONE).date():
        return then.strftime("%H:%M")
    return then.strftime("%H:%M %d/%m/%Y")
