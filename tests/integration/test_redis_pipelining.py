"""Many people's turns at once share Redis requests (`bot.state.pipelining`), on a real
Redis: each turn still gets its own answer, its own error, and never waits for ever."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.state import StoreUnavailable
from bot.state.pipelining import ScriptPipeline
from bot.state.redis import _ACQUIRE, RedisCounters, RedisStore, redis_client
from tests.support.state_adapters import unreachable_redis_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = redis_client(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


async def _reads(redis: Redis) -> int:
    return int((await redis.info("stats"))["total_reads_processed"])


async def test_a_hundred_people_s_turns_reach_redis_in_a_few_requests_each_with_its_own_record(
    redis: Redis, prefix: str
):
    scripts = ScriptPipeline(redis)
    store = RedisStore(redis, prefix, scripts=scripts)
    # the pool's connections and their handshakes, before counting
    await asyncio.gather(*(store.load(f"warm-up-{n}") for n in range(8)))
    people = [f"ussd:+8491{n:07d}" for n in range(100)]

    async def turn(person: str) -> None:
        async with store.hold([person]) as held:
            held.put(person, f"dialog of {person}".encode(), 60)

    before = await _reads(redis)
    await asyncio.gather(*(turn(person) for person in people))
    reads = await _reads(redis) - before - 1  # the INFO of this test

    for person in people:
        assert await store.load(person) == f"dialog of {person}".encode()
    # one at a time, 200 requests (lock-and-read, write-and-unlock); shared, a few dozen at most
    assert reads <= 50, reads


async def test_one_call_redis_refuses_does_not_fail_the_others_sharing_its_request(
    redis: Redis, prefix: str
):
    counters = RedisCounters(redis, prefix, scripts=ScriptPipeline(redis, in_flight=1))
    await redis.rpush(f"{prefix}count:broken", "not a counter")  # INCR on it: WRONGTYPE

    spends = await asyncio.gather(
        *(counters.spend_within(f"otp-wrong:reg-{n}", 3, 60) for n in range(5)),
        counters.spend_within("broken", 3, 60),
        *(counters.spend_within(f"otp-wrong:reg-{n}", 3, 60) for n in range(5, 10)),
        return_exceptions=True,
    )

    assert isinstance(spends[5], StoreUnavailable)
    good = [s for n, s in enumerate(spends) if n != 5]
    assert [s.count for s in good if not isinstance(s, BaseException)] == [1] * 10


async def test_scripts_redis_has_forgotten_are_loaded_again_inside_a_shared_request(
    redis: Redis, prefix: str
):
    counters = RedisCounters(redis, prefix, scripts=ScriptPipeline(redis, in_flight=1))
    await counters.spend_within("caller:warm", 3, 60)
    await redis.script_flush()  # as after a restart of Redis: its script cache is empty

    before = await _reads(redis)
    singles, both = await asyncio.gather(
        asyncio.gather(*(counters.spend_within(f"caller:c{n}", 3, 60) for n in range(20))),
        counters.spend_all_within([("caller:c0", 5, 60), ("phone:p0", 2, 60)]),
    )
    reads = await _reads(redis) - before - 1

    assert [s.count for s in singles] == [1] * 20
    assert [s.count for s in both] == [2, 1]
    # the first call alone (refused, loaded, run: 3), then the rest together (refused,
    # the other script loaded, run again: 3); one by one it would be 40 and more
    assert reads <= 8, reads


async def test_a_cancelled_turn_does_not_cancel_or_strand_the_turns_queued_behind_it(
    redis: Redis, prefix: str
):
    counters = RedisCounters(redis, prefix, scripts=ScriptPipeline(redis, in_flight=1))
    leader = asyncio.create_task(counters.spend_within("caller:first", 3, 60))
    follower = asyncio.create_task(counters.spend_within("caller:second", 3, 60))
    await asyncio.sleep(0)  # the first is out to Redis; the second queued behind it

    leader.cancel()

    spent = await asyncio.wait_for(follower, 2)  # not left hanging, nor failed for it
    assert spent.allowed and spent.count == 1
    assert leader.cancelled()
    assert (await counters.spend_within("caller:third", 3, 60)).count == 1


async def test_when_redis_is_down_every_turn_of_a_shared_request_is_told_to_try_again():
    client = redis_client(unreachable_redis_url(), socket_timeout=1)
    store, counters = RedisStore(client), RedisCounters(client)

    async def turn(person: str) -> None:
        async with store.hold([person]):
            pass

    try:
        async with asyncio.timeout(10):
            outcomes = await asyncio.gather(
                *(turn(f"ussd:+8491{n:07d}") for n in range(10)),
                *(counters.spend_within(f"caller:c{n}", 3, 60) for n in range(10)),
                return_exceptions=True,
            )
    finally:
        await client.aclose()

    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes), outcomes


async def test_a_turn_cancelled_while_its_lock_request_waits_leaves_the_person_unlocked(
    redis: Redis, prefix: str
):
    store = RedisStore(redis, prefix, scripts=ScriptPipeline(redis, in_flight=1))
    entered = asyncio.Event()

    async def other_person() -> None:
        async with store.hold(["ussd:+84910000001"]):
            entered.set()
            await asyncio.sleep(0.1)

    async def alice() -> None:
        async with store.hold(["ussd:+84912345678"]):
            pass

    busy = asyncio.create_task(other_person())
    await asyncio.sleep(0)  # the other person's lock request is out
    cancelled = asyncio.create_task(alice())
    await asyncio.sleep(0)  # Alice's waits behind it
    cancelled.cancel()
    await busy

    async with asyncio.timeout(1):  # not the 15 s of a lock taken for no one
        async with store.hold(["ussd:+84912345678"]) as held:
            held.put("ussd:+84912345678", b"her next turn", 60)
    assert await store.load("ussd:+84912345678") == b"her next turn"
    assert entered.is_set() and cancelled.cancelled()


async def test_a_worker_shutting_down_leaves_no_call_waiting(
    redis: Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
):
    """A shutdown cancels the app's tasks while the handlers of turns under way finish,
    perhaps the task about to send queued calls before it has started: those turns are
    told to try again rather than left waiting."""
    scripts = ScriptPipeline(redis, in_flight=1)
    counters = RedisCounters(redis, prefix, scripts=scripts)
    first = asyncio.create_task(counters.spend_within("caller:first", 3, 60))
    queued = asyncio.create_task(counters.spend_within("caller:second", 3, 60))
    await asyncio.sleep(0)  # the first is out, the second queued
    running = asyncio.current_task()
    sweep_after = scripts._next

    def next_then_shutdown() -> None:  # the sweep lands before the new task's first step
        sweep_after()
        for task in asyncio.all_tasks():
            if task not in (running, first, queued):  # the turns under way go on
                task.cancel()

    monkeypatch.setattr(scripts, "_next", next_then_shutdown)

    assert (await first).count == 1
    with pytest.raises(StoreUnavailable):
        await asyncio.wait_for(queued, 2)


async def test_a_lock_request_re_sent_after_a_lost_answer_still_gets_the_lock(
    redis: Redis, prefix: str
):
    """redis-py re-sends a command whose answer a dropped connection lost; Redis may
    have run it already. The turn's own token on the lock means the lock is the turn's."""
    acquire = redis.register_script(_ACQUIRE)
    keys = [f"{prefix}lock:ussd:+84912345678", f"{prefix}state:ussd:+84912345678"]

    assert (await acquire(keys=keys, args=["token-of-this-turn", 15000]))[0] == 1
    assert (await acquire(keys=keys, args=["token-of-this-turn", 15000]))[0] == 1
    assert (await acquire(keys=keys, args=["another-turn", 15000])) == [0]
