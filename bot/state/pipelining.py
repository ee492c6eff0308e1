"""Auto-pipelining of the Lua scripts every turn runs: the calls that many turns make
while Redis answers earlier ones reach it together, as one pipeline: one write, one read.

Why: under a burst the loop's CPU, not Redis, is what runs out, and most of a redis-py
command's cost is its own: taking a pooled connection, packing, a send and a receive
(system calls are dear on a shared VM). A turn still waits for the same two round trips
(`bot.state.redis.RedisStore`); a hundred turns share them. Each call keeps its own
answer or its own error, and a script Redis has forgotten is loaded again."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

Keys = Sequence[str]
Args = Sequence[str | bytes | int]
Queued = tuple[AsyncScript, Keys, Args, "asyncio.Future[Any]"]


class ScriptPipeline:
    """Runs registered scripts: at once while fewer than `in_flight` requests are out;
    past that, calls wait and go together, as one pipeline, when a request comes back.

    So a quiet worker sends each call as it comes (no added wait, no pipeline), and a busy
    one sends fewer, larger requests: the busier, the larger. Batches run in a task of
    their own, so that cancelling one person's turn cancels no one else's call."""

    def __init__(self, client: Redis, *, in_flight: int = 4) -> None:
        self._client = client
        self._free = max(1, in_flight)  # requests that may still go out now
        self._queued: list[Queued] = []
        self._sending: set[asyncio.Task[None]] = set()  # held until done

    def script(self, source: str) -> BatchedScript:
        return BatchedScript(self, self._client.register_script(source))

    async def call(self, script: AsyncScript, keys: Keys, args: Args) -> Any:
        if self._free > 0:
            self._free -= 1
            try:
                return await script(keys=keys, args=args)
            finally:
                self._next()
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((script, keys, args, answer))
        return await answer

    def _next(self) -> None:
        """A request came back: its place goes to what queued meanwhile, if anything."""
        if not self._queued:
            self._free += 1
            return
        batch, self._queued = self._queued, []
        task = asyncio.ensure_future(self._run(batch))
        self._sending.add(task)
        task.add_done_callback(functools.partial(self._sent, batch))

    def _sent(self, batch: list[Queued], task: asyncio.Task[None]) -> None:
        """Whatever the request left unanswered - Redis unreachable, or the task cancelled,
        perhaps before it started (a shutdown) - gets its error: no call is left waiting."""
        self._sending.discard(task)
        stopped = ConnectionError("the request carrying this call stopped")
        error = stopped if task.cancelled() else (task.exception() or stopped)
        for *_, answer in batch:
            _settle(answer, error)
        self._next()

    async def _run(self, batch: list[Queued]) -> None:
        forgotten = await self._pipelined(batch)
        if forgotten:  # Redis restarted: load each script once, run those calls again
            for source in {script.script for script, *_ in forgotten}:
                await self._client.script_load(source)
            forgotten = await self._pipelined(forgotten)
        for *_, answer in forgotten:
            _settle(answer, NoScriptError("the script could not be loaded"))

    async def _pipelined(self, batch: list[Queued]) -> list[Queued]:
        """Runs the batch as one pipeline and settles its calls, but for those whose
        script Redis does not have: those are returned. A call whose turn was cancelled
        while it waited is not sent: a lock taken for no one would hold the person."""
        batch = [call for call in batch if not call[3].done()]
        if not batch:
            return []
        pipe = self._client.pipeline(transaction=False)
        for script, keys, args, _ in batch:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        results = await pipe.execute(raise_on_error=False)
        forgotten = []
        for call, result in zip(batch, results, strict=True):
            if isinstance(result, NoScriptError):
                forgotten.append(call)
            else:
                _settle(call[3], result)
        return forgotten


class BatchedScript:
    """A script called like redis-py's own: `await script(keys=[...], args=[...])`."""

    def __init__(self, pipeline: ScriptPipeline, script: AsyncScript) -> None:
        self._pipeline = pipeline
        self._script = script

    def __call__(self, keys: Keys = (), args: Args = ()) -> Awaitable[Any]:
        return self._pipeline.call(self._script, keys, args)


def _settle(answer: asyncio.Future[Any], result: Any) -> None:
    if answer.done():  # its turn was cancelled
        return
    if isinstance(result, BaseException):
        answer.set_exception(result)
    else:
        answer.set_result(result)
