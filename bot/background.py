"""Work that runs beside the app while it serves: a task cancelled on the way out, and a
flush repeated every few seconds and once more at the end (event sink, recorder).

A flush is never cancelled half-way: a write cut off inside a database transaction leaves
its connection holding SQLite's write lock until it is collected, and the last flush then
waits out the whole busy timeout."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def running(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """`work` as a task while the block runs; cancelled and awaited when it ends."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def every(seconds: float, flush: Callable[[], Awaitable[object]]) -> AsyncIterator[None]:
    """`flush` every `seconds` while the block runs, and once more after it; a flush under
    way when the block ends is finished, not cancelled."""
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
            if not stop.is_set():
                await flush()

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        await task
        await flush()
