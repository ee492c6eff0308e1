"""One contract for every StateStore and Counters adapter: in-process memory and real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.state import StateStore, StoreUnavailable
from bot.state.redis import RedisCounters, RedisStore, redis_client
from tests.support.state_adapters import Adapter, unreachable_redis_url

ROOT = Path(__file__).resolve().parents[2]


async def _turn(store: StateStore, key: str, name: str, marks: list[str]) -> None:
    async with store.lock(key):
        marks.append(f"enter {name}")
        await asyncio.sleep(0.05)
        marks.append(f"exit {name}")


class TestStateStoreContract:
    async def test_a_saved_session_is_loaded_back_until_it_is_deleted(self, adapter: Adapter):
        store = adapter.store
        assert await store.load("telegram:42") is None

        await store.save("telegram:42", b"\x00encrypted\xff", ttl_seconds=60)
        assert await store.load("telegram:42") == b"\x00encrypted\xff"
        assert await store.load("ussd:+84912345678") is None

        await store.save("telegram:42", b"next turn", ttl_seconds=60)
        assert await store.load("telegram:42") == b"next turn"

        await store.delete("telegram:42")
        assert await store.load("telegram:42") is None
        await store.delete("telegram:42")  # deleting twice is harmless

    async def test_an_abandoned_session_expires_after_its_ttl(self, adapter: Adapter):
        await adapter.store.save("ussd:+84912345678", b"half done", ttl_seconds=1)
        assert await adapter.store.load("ussd:+84912345678") == b"half done"

        await adapter.elapse(1.2)

        assert await adapter.store.load("ussd:+84912345678") is None

    async def test_two_inputs_of_one_person_never_interleave(self, adapter: Adapter):
        marks: list[str] = []

        await asyncio.gather(*(_turn(adapter.store, "telegram:42", name, marks) for name in "abc"))

        assert len(marks) == 6
        for i in range(0, 6, 2):
            name = marks[i].split()[1]
            assert marks[i : i + 2] == [f"enter {name}", f"exit {name}"]

    async def test_two_workers_serialise_the_inputs_of_one_person(self, adapter: Adapter):
        other_worker = await adapter.second_store()
        marks: list[str] = []

        await asyncio.gather(
            _turn(adapter.store, "telegram:42", "first", marks),
            _turn(other_worker, "telegram:42", "second", marks),
        )

        assert marks in (
            ["enter first", "exit first", "enter second", "exit second"],
            ["enter second", "exit second", "enter first", "exit first"],
        )

    async def test_different_people_do_not_wait_for_each_other(self, adapter: Adapter):
        other_entered = asyncio.Event()

        async def first() -> None:
            async with adapter.store.lock("telegram:1"):
                await other_entered.wait()  # would dead-lock if people shared a lock

        async def second() -> None:
            async with adapter.store.lock("telegram:2"):
                other_entered.set()

        await asyncio.wait_for(asyncio.gather(first(), second()), timeout=5)

    async def test_a_failed_turn_releases_the_lock(self, adapter: Adapter):
        with pytest.raises(RuntimeError):
            async with adapter.store.lock("telegram:42"):
                raise RuntimeError("turn failed")

        async with asyncio.timeout(2), adapter.store.lock("telegram:42"):
            pass

    async def test_a_held_turn_reads_all_its_keys_and_writes_them_on_release(
        self, adapter: Adapter
    ):
        store = adapter.store
        await store.save("ussd:+84912345678", b"dialog v1", ttl_seconds=60)
        await store.save("ussd-gw:+84912345678", b"screen v1", ttl_seconds=60)

        async with store.hold(["ussd:+84912345678", "ussd-gw:+84912345678", "none"]) as held:
            assert held.get("ussd:+84912345678") == b"dialog v1"
            assert held.get("ussd-gw:+84912345678") == b"screen v1"
            assert held.get("none") is None
            held.put("ussd:+84912345678", b"dialog v2", 60)
            held.drop("ussd-gw:+84912345678")
            assert held.get("ussd:+84912345678") == b"dialog v2"  # reads its own writes
            assert await store.load("ussd:+84912345678") == b"dialog v1"  # not yet written

        assert await store.load("ussd:+84912345678") == b"dialog v2"
        assert await store.load("ussd-gw:+84912345678") is None

    async def test_a_held_turn_that_fails_writes_nothing_and_unlocks(self, adapter: Adapter):
        await adapter.store.save("telegram:42", b"before", ttl_seconds=60)
        with pytest.raises(RuntimeError):
            async with adapter.store.hold(["telegram:42"]) as held:
                held.put("telegram:42", b"half a turn", 60)
                raise RuntimeError("turn failed")

        assert await adapter.store.load("telegram:42") == b"before"
        async with asyncio.timeout(2), adapter.store.hold(["telegram:42"]):
            pass

    async def test_held_turns_of_one_person_never_interleave(self, adapter: Adapter):
        other_worker = await adapter.second_store()
        await adapter.store.save("telegram:7", b"0", ttl_seconds=60)

        async def increment(store: StateStore) -> None:
            async with store.hold(["telegram:7"]) as held:
                value = int(held.get("telegram:7") or b"0")
                await asyncio.sleep(0.01)
                held.put("telegram:7", str(value + 1).encode(), 60)

        await asyncio.gather(*(increment(s) for s in [adapter.store, other_worker] * 3))

        assert await adapter.store.load("telegram:7") == b"6"  # no lost update

    async def test_counters_count_within_a_window_and_start_again_after_it(self, adapter: Adapter):
        counters = adapter.counters
        assert await counters.count("otp-wrong:reg-1") == 0
        assert await counters.ttl("otp-wrong:reg-1") == 0

        first = await counters.spend_within("otp-wrong:reg-1", 2, window_seconds=1)
        second = await counters.spend_within("otp-wrong:reg-1", 2, window_seconds=1)
        third = await counters.spend_within("otp-wrong:reg-1", 2, window_seconds=1)
        assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
        assert (first.count, third.count, third.retry_after) == (1, 3, 1)
        assert await counters.count("otp-wrong:reg-2") == 0
        assert await counters.ttl("otp-wrong:reg-1") == 1

        await adapter.elapse(1.2)

        assert await counters.count("otp-wrong:reg-1") == 0
        assert (await counters.spend_within("otp-wrong:reg-1", 2, window_seconds=60)).allowed

    async def test_a_later_spend_does_not_extend_the_window(self, adapter: Adapter):
        await adapter.counters.spend_within("resend:reg-1", 5, window_seconds=60)
        await adapter.elapse(1.1)
        later = await adapter.counters.spend_within("resend:reg-1", 5, window_seconds=60)

        assert later.retry_after in (59, 58)
        assert await adapter.counters.ttl("resend:reg-1") in (59, 58)

    async def test_parallel_spends_never_pass_the_limit_together(self, adapter: Adapter):
        """Forty requests at once, three allowed: exactly three go on (check-and-spend is
        one step; a check followed by a separate spend lets all forty through)."""
        spends = await asyncio.gather(
            *(adapter.counters.spend_within("bhxh:code-1", 3, window_seconds=60) for _ in range(40))
        )
        assert sum(spend.allowed for spend in spends) == 3
        assert sorted(spend.count for spend in spends) == list(range(1, 41))

    async def test_a_spend_given_back_frees_its_place_but_keeps_the_window(self, adapter: Adapter):
        counters = adapter.counters
        await counters.spend_within("carrier:phone-1", 1, window_seconds=60)
        await counters.give_back("carrier:phone-1")
        await counters.give_back("carrier:phone-1")  # never below zero

        assert await counters.count("carrier:phone-1") == 0
        assert await counters.ttl("carrier:phone-1") in (60, 59)
        assert (await counters.spend_within("carrier:phone-1", 1, window_seconds=60)).allowed
        assert not (await counters.spend_within("carrier:phone-1", 1, window_seconds=60)).allowed


class TestRedisLock:
    async def test_a_turn_that_cannot_get_the_lock_in_time_is_told_to_try_again(
        self, redis_url: str, redis_adapter: Adapter, redis_prefix: str
    ):
        client = redis_client(redis_url)
        impatient = RedisStore(client, redis_prefix, lock_wait=0.2)
        try:
            async with redis_adapter.store.lock("telegram:42"):
                with pytest.raises(StoreUnavailable):
                    async with impatient.lock("telegram:42"):
                        pass
        finally:
            await client.aclose()

    async def test_a_slow_turn_keeps_its_lock_past_the_lock_timeout(
        self, redis_url: str, redis_adapter: Adapter, redis_prefix: str
    ):
        client = redis_client(redis_url)
        slow = RedisStore(client, redis_prefix, lock_timeout=0.3)
        other = RedisStore(client, redis_prefix, lock_wait=0.1)
        try:
            async with slow.lock("telegram:42"):
                await asyncio.sleep(0.8)  # well past 0.3 s: the watchdog extends it
                with pytest.raises(StoreUnavailable):
                    async with other.lock("telegram:42"):
                        pass
        finally:
            await client.aclose()

    async def test_a_crashed_worker_does_not_hold_a_person_for_ever(
        self, redis_url: str, redis_adapter: Adapter, redis_prefix: str
    ):
        holder = (
            "import asyncio, sys\n"
            "from bot.state.redis import RedisStore, redis_client\n"
            "async def main():\n"
            "    store = RedisStore(redis_client(sys.argv[1]), sys.argv[2], lock_timeout=1)\n"
            "    async with store.lock('telegram:42'):\n"
            "        print('held', flush=True)\n"
            "        await asyncio.sleep(60)\n"
            "asyncio.run(main())\n"
        )
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            holder,
            redis_url,
            redis_prefix,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            assert worker.stdout is not None
            assert (await worker.stdout.readline()).strip() == b"held"
            worker.send_signal(signal.SIGKILL)  # no release, no watchdog any more
            await worker.wait()

            started = time.monotonic()
            async with redis_adapter.store.lock("telegram:42"):
                waited = time.monotonic() - started
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()

        assert waited < 2.0


class TestRedisDown:
    async def test_every_operation_reports_the_store_unavailable(self):
        client = redis_client(unreachable_redis_url(), socket_timeout=1)
        store, counters = RedisStore(client), RedisCounters(client)
        try:
            async with asyncio.timeout(10):
                with pytest.raises(StoreUnavailable):
                    await store.load("telegram:42")
                with pytest.raises(StoreUnavailable):
                    await store.save("telegram:42", b"x", ttl_seconds=60)
                with pytest.raises(StoreUnavailable):
                    await store.delete("telegram:42")
                with pytest.raises(StoreUnavailable):
                    async with store.lock("telegram:42"):
                        pass
                with pytest.raises(StoreUnavailable):
                    await counters.spend_within("otp-wrong:reg-1", 3, window_seconds=60)
                with pytest.raises(StoreUnavailable):
                    await counters.give_back("otp-wrong:reg-1")
                with pytest.raises(StoreUnavailable):
                    await counters.ttl("otp-wrong:reg-1")
        finally:
            await client.aclose()
