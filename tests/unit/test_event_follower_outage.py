"""A console's live list following the conversation events while Redis is down waits
longer and longer between tries (1 s doubling to 10 s): an outage writes a log line every
10 s, not one a second for as long as it lasts."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot import events
from bot.events import RETRY_FIRST, RETRY_MAX, RedisStreamSink


class DownRedis:
    async def xrevrange(self, *_: Any, **__: Any) -> Any:
        raise RedisConnectionError("down")


class Enough(Exception):
    pass


async def test_a_follower_waits_longer_and_longer_while_redis_is_down(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 7:
            raise Enough

    monkeypatch.setattr(events.asyncio, "sleep", sleep)
    sink = RedisStreamSink(DownRedis())  # type: ignore[arg-type]
    with pytest.raises(Enough):
        async for _ in sink.follow():
            pass
    assert pauses == [RETRY_FIRST, 2.0, 4.0, 8.0, RETRY_MAX, RETRY_MAX, RETRY_MAX]
    assert len([r for r in caplog.records if "conversation events" in r.getMessage()]) == 7
