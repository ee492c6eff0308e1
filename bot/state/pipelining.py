"""Auto-pipelining of the Lua scripts every turn runs: the calls that many turns make in
the same pass of the event loop reach Redis as one pipeline, one write and one read.

Why: under a burst the loop's CPU, not Redis, is what runs out, and most of a redis-py
command's cost is its own: taking a pooled connection, packing, a send and a receive
(system calls are dear on a shared VM). A turn still waits for the same two round trips
(`bot.state.redis.RedisStore`); a hundred turns share them. Each call keeps its own
answer or its own error, and a script Redis has forgotten is loaded again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

Keys = Sequence[str]
Args = Sequence[str | bytes | int]
Queued = tuple[AsyncScript, Keys, Args, "asyncio.Future[Any]"]


class ScriptPipeline:
    """Runs registered scripts; calls made in one pass of the loop share a pipeline.

    The pass's first call leads: it lets the pass finish (one `sleep(0)`), then sends its
    own call and every call queued behind it, in a task of their own so that cancelling
    the leader's turn cancels no one else's. Alone, it runs as a plain call: a quiet worker
    pays one yield, no pipeline and no task."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._queued: list[Queued] | None = None  # behind this pass's leader
        self._sending: set[asyncio.Task[None]] = set()  # held until done

    def script(self, source: str) -> BatchedScript:
        return BatchedScript(self, self._client.register_script(source))

    async def call(self, script: AsyncScript, keys: Keys, args: Args) -> Any:
        loop = asyncio.get_running_loop()
        if self._queued is not None:
            answer: asyncio.Future[Any] = loop.create_future()
            self._queued.append((script, keys, args, answer))
            return await answer
        followers: list[Queued] = []
        self._queued = followers
        try:
            await asyncio.sleep(0)  # the rest of this pass may queue behind
        except asyncio.CancelledError:  # the leader's turn is over, not the others'
            self._queued = None
            if followers:
                self._start(followers)
            raise
        self._queued = None
        if not followers:
            return await script(keys=keys, args=args)
        mine: asyncio.Future[Any] = loop.create_future()
        # shielded: the leader's turn cancelled mid-way does not cancel the others'
        await asyncio.shield(self._start([(script, keys, args, mine), *followers]))
        return mine.result()

    def _start(self, batch: list[Queued]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return task

    async def _send(self, batch: list[Queued]) -> None:
        try:
            await self._run(batch)
        finally:  # never leave a call waiting, even if this task is cancelled
            for *_, answer in batch:
                _settle(answer, ConnectionError("the request carrying this call stopped"))

    async def _run(self, batch: list[Queued]) -> None:
        forgotten = await self._pipelined(batch)
        if forgotten:  # Redis restarted: load each script once, run those calls again
            try:
                for source in {script.script for script, *_ in forgotten}:
                    await self._client.script_load(source)
            except Exception as exc:
                for *_, answer in forgotten:
                    _settle(answer, exc)
                return
            for *_, answer in await self._pipelined(forgotten):
                _settle(answer, NoScriptError("the script could not be loaded"))

    async def _pipelined(self, batch: list[Queued]) -> list[Queued]:
        """Runs the batch as one pipeline and settles its calls, but for those whose
        script Redis does not have: those are returned."""
        pipe = self._client.pipeline(transaction=False)
        for script, keys, args, _ in batch:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        try:
            results = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # the connection: every call of the batch failed
            for *_, answer in batch:
                _settle(answer, exc)
            return []
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
