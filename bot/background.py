"""Work that runs beside the app while it serves: a task cancelled on the way out, and a
flush repeated every few seconds and once more at the end (event sink, recorder)."""

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
    """`flush` every `seconds` while the block runs, and once more after it."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)
            await flush()

    async with running(loop()):
        yield
    await flush()
