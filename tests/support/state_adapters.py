"""The StateStore and Counters adapters under one contract (in-process memory and real
Redis), as fixtures for the integration tests: `adapter` runs a test on each."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.state import Counters, StateStore
from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.redis import RedisCounters, RedisStore, redis_client


def unreachable_redis_url() -> str:
    """A Redis URL on a local port nothing listens on: a Redis that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Adapter:
    """A store and counters under test, and a way to let time pass for them."""

    store: StateStore
    counters: Counters
    elapse: Callable[[float], Awaitable[None]]
    second_store: Callable[[], Awaitable[StateStore]]


@pytest.fixture
async def memory_adapter() -> AsyncIterator[Adapter]:
    clock = FakeClock()
    store = MemoryStore(clock)

    async def elapse(seconds: float) -> None:
        clock.now += seconds

    async def same_store() -> StateStore:
        return store  # one process: the second worker shares the same memory

    yield Adapter(store, MemoryCounters(clock), elapse, same_store)


@pytest.fixture
def redis_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_adapter(redis_url: str, redis_prefix: str) -> AsyncIterator[Adapter]:
    clients = [redis_client(redis_url)]

    async def elapse(seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def another_process() -> StateStore:
        client = redis_client(redis_url)  # its own pool, as another worker process has
        clients.append(client)
        return RedisStore(client, redis_prefix)

    yield Adapter(
        RedisStore(clients[0], redis_prefix),
        RedisCounters(clients[0], redis_prefix),
        elapse,
        another_process,
    )
    keys = [key async for key in clients[0].scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await clients[0].delete(*keys)
    for client in clients:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def adapter(request: pytest.FixtureRequest) -> Adapter:
    return request.getfixturevalue(f"{request.param}_adapter")
