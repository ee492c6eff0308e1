"""Redis StateStore and Counters: the state every worker process shares in production."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from bot.state.pipelining import ScriptPipeline
from bot.state.store import Held, Spend, StoreUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PREFIX: Final = "regbot:"
LOCK_TIMEOUT: Final = 15.0  # a crashed worker's lock is gone after this many seconds
LOCK_WAIT: Final = 10.0  # a turn waits this long for the person's previous turn

# Count first, then judge: INCR gives each of N parallel callers its own number, so only
# the first `allowed` of them are within the limit. The window's expiry is set on its
# first event in the same script: a crash in between cannot leave a counter that never
# expires (that would lock a person out for good). Returns {count, milliseconds left}.
_SPEND: Final = """
local n = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if n == 1 or left < 0 then
  left = tonumber(ARGV[1]) * 1000
  redis.call('PEXPIRE', KEYS[1], left)
end
return {n, left}
"""

_GIVE_BACK: Final = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""

# _SPEND for each key in order (ARGV: allowed, window seconds per key), one script: the
# first over its limit stops it and the keys counted before it are given back, as one
# atomic step. Returns {count, milliseconds left} per key spent, the refusing one last.
_SPEND_ALL: Final = """
local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  local left = redis.call('PTTL', KEYS[i])
  if n == 1 or left < 0 then
    left = tonumber(ARGV[2 * i]) * 1000
    redis.call('PEXPIRE', KEYS[i], left)
  end
  out[#out + 1] = n
  out[#out + 1] = left
  if n > tonumber(ARGV[2 * i - 1]) then
    for j = 1, i - 1 do
      if tonumber(redis.call('GET', KEYS[j]) or '0') > 0 then redis.call('DECR', KEYS[j]) end
    end
    return out
  end
end
return out
"""

_GIVE_BACK_ALL: Final = """
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0
"""

_UNAVAILABLE: Final = (RedisError, OSError)


async def _call(action: Awaitable[T]) -> T:
    """Await a Redis call; any Redis or socket failure becomes StoreUnavailable."""
    try:
        return await action
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(type(exc).__name__) from exc


def redis_client(
    url: str,
    *,
    max_connections: int = 64,
    pool_wait: float = 5.0,
    socket_timeout: float = 5.0,
) -> Redis:
    """A client on a BlockingConnectionPool: under load a turn waits for a free connection
    (up to `pool_wait` seconds) instead of failing as the default pool does past its limit.

    Nothing connects until the first command. Close with `await client.aclose()`.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_wait,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        # a short retry for a blip; a Redis that stays down is reported, not waited for
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )
    return Redis.from_pool(pool)


# Lock the person and read their values in one round trip (KEYS[1] is the lock). The lock
# holding this very token counts as taken: the client's retry after a lost answer re-sends
# the script, and the turn must not then wait out its own lock.
_ACQUIRE: Final = """
local got = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not got and redis.call('GET', KEYS[1]) == ARGV[1] then
  got = redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if got then
  local out = {1}
  for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) or false end
  return out
end
return {0}
"""

# Write what the turn put or dropped, and unlock - only if the lock is still ours: a
# worker whose lock expired must not overwrite what the next turn wrote.
_COMMIT: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  local at = 2 + (i - 2) * 3
  if ARGV[at] == 's' then
    redis.call('SET', KEYS[i], ARGV[at + 2], 'EX', ARGV[at + 1])
  elseif ARGV[at] == 'd' then
    redis.call('DEL', KEYS[i])
  end
end
redis.call('DEL', KEYS[1])
return 1
"""

_EXTEND: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class RedisStore:
    """Sessions as `{prefix}state:{key}` with EX, and a per-person lock `{prefix}lock:{key}`.

    A turn costs two round trips: lock-and-read, then write-and-unlock (Lua scripts), so
    it holds across processes without the five or six calls of a lock plus GET and SET.
    The lock expires after `lock_timeout` seconds, so a crashed worker cannot block a
    person for long; while a turn runs, a timer keeps extending it.
    """

    def __init__(
        self,
        client: Redis,
        prefix: str = DEFAULT_PREFIX,
        *,
        lock_timeout: float = LOCK_TIMEOUT,
        lock_wait: float = LOCK_WAIT,
        scripts: ScriptPipeline | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._lock_timeout = lock_timeout
        self._lock_wait = lock_wait
        scripts = scripts or ScriptPipeline(client)
        self._acquire = scripts.script(_ACQUIRE)
        self._commit = scripts.script(_COMMIT)
        self._extend = scripts.script(_EXTEND)

    def state_key(self, key: str) -> str:
        return f"{self._prefix}state:{key}"

    def lock_key(self, key: str) -> str:
        return f"{self._prefix}lock:{key}"

    async def load(self, key: str) -> bytes | None:
        value = await _call(self._client.get(self.state_key(key)))
        return _bytes(value)

    async def save(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await _call(self._client.set(self.state_key(key), value, ex=ttl_seconds))

    async def delete(self, key: str) -> None:
        await _call(self._client.delete(self.state_key(key)))

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the person's lock for a whole turn; StoreUnavailable if it stays busy."""
        async with self.hold([key]):
            yield

    @asynccontextmanager
    async def hold(self, keys: Sequence[str]) -> AsyncIterator[Held]:
        lock_key = self.lock_key(keys[0])
        redis_keys = [lock_key, *(self.state_key(k) for k in keys)]
        token = secrets.token_hex(16)
        values = await self._lock_and_read(redis_keys, token)
        held = Held(dict(zip(keys, values, strict=True)))
        keeper = _Keeper(self._extend, lock_key, token, self._lock_timeout)
        try:
            yield held
        except BaseException:
            keeper.stop()
            await self._unlock(redis_keys[:1], token)
            raise
        keeper.stop()
        args: list[str | bytes | int] = [token]
        for key in keys:
            value, ttl = held.writes.get(key, (b"", -1))
            mode = "k" if ttl == -1 else ("d" if value is None else "s")
            args += [mode, max(ttl, 1), value or b""]
        if not await _call(self._commit(keys=redis_keys, args=args)):
            logger.warning("state lock had expired before the turn ended; nothing written")
            raise StoreUnavailable("lock lost")

    async def _lock_and_read(self, redis_keys: list[str], token: str) -> list[bytes | None]:
        waited, pause = 0.0, 0.005
        timeout_ms = int(self._lock_timeout * 1000)
        while True:
            reply = await _call(self._acquire(keys=redis_keys, args=[token, timeout_ms]))
            if reply[0] == 1:
                return [_bytes(v) for v in reply[1:]] + [None] * (len(redis_keys) - len(reply))
            if waited >= self._lock_wait:
                raise StoreUnavailable("lock busy")
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, 0.05)

    async def _unlock(self, redis_keys: list[str], token: str) -> None:
        # The turn failed; never raise here, it would hide the turn's own error.
        try:
            await self._commit(keys=redis_keys, args=[token])
        except _UNAVAILABLE as exc:
            logger.warning("state lock could not be released: %s", type(exc).__name__)


class _Keeper:
    """Extends a held lock every third of its timeout, on a timer rather than a task per
    turn: most turns end long before the first extension is due."""

    def __init__(self, extend: Any, lock_key: str, token: str, timeout: float) -> None:
        self._extend, self._key, self._token = extend, lock_key, token
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(timeout / 3, self._due)

    def _due(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            await self._extend(keys=[self._key], args=[self._token, int(self._timeout * 1000)])
        except _UNAVAILABLE as exc:
            logger.warning("state lock could not be extended: %s", type(exc).__name__)
            return
        self._timer = asyncio.get_running_loop().call_later(self._timeout / 3, self._due)

    def stop(self) -> None:
        self._timer.cancel()
        if self._task is not None:
            self._task.cancel()


def _bytes(value: str | bytes | None) -> bytes | None:
    if value is None:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


class RedisCounters:
    """Fixed-window counters `{prefix}count:{key}`: each spend is one Lua script, and so
    is each attempt spent against several limits (`spend_all_within`)."""

    def __init__(
        self,
        client: Redis,
        prefix: str = DEFAULT_PREFIX,
        *,
        scripts: ScriptPipeline | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        scripts = scripts or ScriptPipeline(client)
        self._spend = scripts.script(_SPEND)
        self._give_back = scripts.script(_GIVE_BACK)
        self._spend_all = scripts.script(_SPEND_ALL)
        self._give_back_all = scripts.script(_GIVE_BACK_ALL)

    def counter_key(self, key: str) -> str:
        return f"{self._prefix}count:{key}"

    async def spend_within(self, key: str, allowed: int, window_seconds: int) -> Spend:
        count, millis = await _call(
            self._spend(keys=[self.counter_key(key)], args=[window_seconds])
        )
        return Spend(int(count) <= allowed, int(count), math.ceil(int(millis) / 1000))

    async def spend_all_within(self, limits: Sequence[tuple[str, int, int]]) -> list[Spend]:
        if not limits:
            return []
        args: list[int] = []
        for _, allowed, window_seconds in limits:
            args += [allowed, window_seconds]
        keys = [self.counter_key(key) for key, _, _ in limits]
        reply = await _call(self._spend_all(keys=keys, args=args))
        answers = zip(limits, reply[::2], reply[1::2], strict=False)  # shorter if refused
        return [
            Spend(int(count) <= allowed, int(count), math.ceil(int(millis) / 1000))
            for (_, allowed, _), count, millis in answers
        ]

    async def give_back(self, key: str) -> None:
        await _call(self._give_back(keys=[self.counter_key(key)]))

    async def give_back_all(self, keys: Sequence[str]) -> None:
        if keys:
            await _call(self._give_back_all(keys=[self.counter_key(key) for key in keys]))

    async def count(self, key: str) -> int:
        value = await _call(self._client.get(self.counter_key(key)))
        return int(value) if value is not None else 0

    async def ttl(self, key: str) -> int:
        millis = await _call(self._client.pttl(self.counter_key(key)))
        return math.ceil(millis / 1000) if millis > 0 else 0
