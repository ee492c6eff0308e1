"""Rate limits and lockouts over the shared Counters, keyed by hashes, never by clear IDs.

Every limit is spent before the thing it limits happens, in one atomic step per counter
(`Counters.spend_within`): parallel requests cannot all pass a check made before a
spend. What turns out not to count (details that matched, a call that never happened)
is given back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.dialogs.spec import StepContext

LOCAL_ZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR: Final = 3600
DAY: Final = 24 * HOUR


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `allowed` events per `window_seconds` for one subject (e.g. one identity)."""

    name: str
    allowed: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class Spent:
    """An attempt counted against several limits: the counter keys (to give back), how
    many tries the first limit leaves, and `wait` > 0 when a limit refused it."""

    keys: tuple[str, ...]
    left: int
    wait: int = 0


def subject_key(ctx: StepContext, limit: Limit, kind: str, value: str) -> str:
    """The counter key of a subject: a keyed hash (the counters' own key), so Redis never
    holds an ID in clear and its names cannot be joined with the accounts table."""
    return f"{limit.name}:{ctx.services.keys.counter_hash(kind, value)}"


def caller_key(ctx: StepContext, limit: Limit) -> str:
    """Who is asking: the person on their channel (a chat, an account; on USSD the
    caller's number, which the gateway vouches for)."""
    return subject_key(ctx, limit, "caller", f"{ctx.channel}:{ctx.user_id}")


async def seconds_blocked(ctx: StepContext, limit: Limit, key: str) -> int:
    """0 when the subject may go on, else the seconds until its window ends. A look only,
    for saying so early; the decision is `spend`'s."""
    counters = ctx.services.counters
    if await counters.count(key) < limit.allowed:
        return 0
    return max(1, await counters.ttl(key))


async def spend(ctx: StepContext, limit: Limit, key: str) -> int:
    """Count one event: 0 when within the limit, else the seconds until its window ends."""
    spent = await ctx.services.counters.spend_within(key, limit.allowed, limit.window_seconds)
    return 0 if spent.allowed else max(1, spent.retry_after)


async def spend_all(ctx: StepContext, limits: Sequence[tuple[Limit, str]]) -> Spent:
    """Count one attempt against each limit, in order. The first that refuses stops it,
    and the ones spent before it are given back: an attempt refused costs nothing, so a
    stranger refused by their own limit cannot use up anyone else's."""
    counters = ctx.services.counters
    spent: list[str] = []
    left = 0
    for limit, key in limits:
        result = await counters.spend_within(key, limit.allowed, limit.window_seconds)
        if not result.allowed:
            await give_back(ctx, spent)
            return Spent((), 0, max(1, result.retry_after))
        if not spent:
            left = limit.allowed - result.count
        spent.append(key)
    return Spent(tuple(spent), left)


async def give_back(ctx: StepContext, keys: Sequence[str]) -> None:
    for key in keys:
        await ctx.services.counters.give_back(key)


def local_time(now: datetime, seconds: int) -> str:
    """When a wait of `seconds` from `now` ends, as HH:MM in Vietnam (people's own clock)."""
    return (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE).strftime("%H:%M")


def local_moment(now: datetime, seconds: int) -> str:
    """As `local_time`, with the date when the wait ends on another day (daily limits)."""
    then = (now + timedelta(seconds=seconds)).astimezone(LOCAL_ZONE)
    if then.date() == now.astimezone(LOCAL_ZONE).date():
        return then.strftime("%H:%M")
    return then.strftime("%H:%M %d/%m/%Y")
