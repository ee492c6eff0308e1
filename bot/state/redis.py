"""Redis StateStore and Counters: the state every worker process shares in production."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Final, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.lock import Lock
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import LockNotOwnedError, RedisError

from bot.state.store import StoreUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PREFIX: Final = "regbot:"
LOCK_TIMEOUT: Final = 15.0  # a crashed worker's lock is gone after this many seconds
LOCK_WAIT: Final = 10.0  # a turn waits this long for the person's previous turn

# INCR then EXPIRE on the first hit of a window, in one atomic step: a crash between the
# two cannot leave a counter that never expires (that would lock a person out for good).
_HIT: Final = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
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
        health_check_interval=30,
        # a short retry for a blip; a Redis that stays down is reported, not waited for
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )
    return Redis.from_pool(pool)


class RedisStore:
    """Sessions as `{prefix}state:{key}` with EX, and a per-key lock `{prefix}lock:{key}`.

    The lock is redis-py's `Lock` (SET NX PX + token-checked release), so it holds across
    processes. It expires after `lock_timeout` seconds, so a crashed worker cannot block
    a person for long; while a turn runs, a watchdog keeps extending it.
    """

    def __init__(
        self,
        client: Redis,
        prefix: str = DEFAULT_PREFIX,
        *,
        lock_timeout: float = LOCK_TIMEOUT,
        lock_wait: float = LOCK_WAIT,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._lock_timeout = lock_timeout
        self._lock_wait = lock_wait

    def state_key(self, key: str) -> str:
        return f"{self._prefix}state:{key}"

    def lock_key(self, key: str) -> str:
        return f"{self._prefix}lock:{key}"

    async def load(self, key: str) -> bytes | None:
        value = await _call(self._client.get(self.state_key(key)))
        if value is None:
            return None
        return value.encode() if isinstance(value, str) else bytes(value)

    async def save(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await _call(self._client.set(self.state_key(key), value, ex=ttl_seconds))

    async def delete(self, key: str) -> None:
        await _call(self._client.delete(self.state_key(key)))

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the person's lock for a whole turn; StoreUnavailable if it stays busy."""
        lock = self._client.lock(
            self.lock_key(key),
            timeout=self._lock_timeout,
            sleep=0.02,
            blocking_timeout=self._lock_wait,
            thread_local=False,
        )
        if not await _call(lock.acquire()):
            raise StoreUnavailable("lock busy")
        watchdog = asyncio.create_task(self._keep(lock))
        try:
            yield
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            await self._release(lock)

    async def _keep(self, lock: Lock) -> None:
        """Extend the lock while the turn runs, so a slow turn never loses it midway."""
        while True:
            await asyncio.sleep(self._lock_timeout / 3)
            try:
                await lock.reacquire()
            except _UNAVAILABLE as exc:
                logger.warning("state lock could not be extended: %s", type(exc).__name__)
                return

    @staticmethod
    async def _release(lock: Lock) -> None:
        # The turn is over; a failed release only leaves a lock that expires by itself.
        # Never raise here: it would hide the turn's own outcome.
        try:
            await lock.release()
        except LockNotOwnedError:
            logger.warning("state lock had expired before the turn ended")
        except _UNAVAILABLE as exc:
            logger.warning("state lock could not be released: %s", type(exc).__name__)


class RedisCounters:
    """Fixed-window counters `{prefix}count:{key}`: INCR + EXPIRE in one Lua script."""

    def __init__(self, client: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._hit: Callable[..., Awaitable[int]] = client.register_script(_HIT)

    def counter_key(self, key: str) -> str:
        return f"{self._prefix}count:{key}"

    async def hit(self, key: str, window_seconds: int) -> int:
        count = await _call(self._hit(keys=[self.counter_key(key)], args=[window_seconds]))
        return int(count)

    async def count(self, key: str) -> int:
        value = await _call(self._client.get(self.counter_key(key)))
        return int(value) if value is not None else 0

    async def ttl(self, key: str) -> int:
        millis = await _call(self._client.pttl(self.counter_key(key)))
        return math.ceil(millis / 1000) if millis > 0 else 0

    async def reset(self, key: str) -> None:
        await _call(self._client.delete(self.counter_key(key)))
