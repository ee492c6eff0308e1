"""Background flushes (recorder, event sink) finish what they started when the app stops:
a write cut off inside a transaction would hold SQLite's write lock for the busy timeout."""

from __future__ import annotations

import asyncio

from bot.background import every


async def test_a_flush_under_way_when_the_app_stops_is_finished_not_cancelled() -> None:
    started: list[int] = []
    finished: list[int] = []
    writing = asyncio.Event()

    async def flush() -> None:
        started.append(len(started))
        writing.set()
        await asyncio.sleep(0.05)  # the write takes a while
        finished.append(len(finished))

    async with every(0.001, flush):
        await writing.wait()  # stop while the periodic flush is writing
    assert started == finished
    assert len(finished) >= 2  # the periodic one and the last one


async def test_the_last_flush_runs_even_when_none_was_due() -> None:
    calls: list[str] = []

    async def flush() -> None:
        calls.append("flush")

    async with every(60, flush):
        pass
    assert calls == ["flush"]
