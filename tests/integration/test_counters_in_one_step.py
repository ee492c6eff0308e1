"""Spending one attempt against several limits, and giving them back, in one step: the
same contract on every Counters adapter (in-process memory and real Redis)."""

from __future__ import annotations

import asyncio

from tests.support.state_adapters import Adapter

LIMITS = [("caller:c1", 5, 60), ("phone:p1", 2, 60), ("id:i1", 3, 60)]


async def test_an_attempt_within_every_limit_counts_against_each(adapter: Adapter):
    spent = await adapter.counters.spend_all_within(LIMITS)

    assert [s.allowed for s in spent] == [True, True, True]
    assert [s.count for s in spent] == [1, 1, 1]
    assert all(s.retry_after in (60, 59) for s in spent)
    for key, _, _ in LIMITS:
        assert await adapter.counters.count(key) == 1


async def test_the_first_limit_that_refuses_stops_it_and_gives_back_the_ones_before(
    adapter: Adapter,
):
    counters = adapter.counters
    for _ in range(2):
        await counters.spend_within("phone:p1", 2, 60)

    spent = await counters.spend_all_within(LIMITS)

    assert [s.allowed for s in spent] == [True, False]  # the ID's was never reached
    assert spent[-1].count == 3 and spent[-1].retry_after in (60, 59)
    assert await counters.count("caller:c1") == 0  # given back: a refusal costs nothing
    assert await counters.count("phone:p1") == 3  # the refusing one counts, as one spend
    assert await counters.count("id:i1") == 0


async def test_parallel_attempts_never_pass_a_shared_limit_together(adapter: Adapter):
    attempts = await asyncio.gather(
        *(
            adapter.counters.spend_all_within([(f"caller:{n}", 5, 60), ("id:shared", 3, 60)])
            for n in range(20)
        )
    )

    assert sum(all(s.allowed for s in spent) for spent in attempts) == 3
    counts = [await adapter.counters.count(f"caller:{n}") for n in range(20)]
    assert sum(counts) == 3  # the refused ones' caller counts were given back


async def test_giving_back_several_keeps_each_above_zero_and_its_window(adapter: Adapter):
    counters = adapter.counters
    await counters.spend_all_within(LIMITS)
    await counters.give_back_all(["caller:c1", "phone:p1", "id:i1", "never:spent"])
    await counters.give_back_all(["caller:c1"])  # never below zero

    for key, _, _ in LIMITS:
        assert await counters.count(key) == 0
        assert await counters.ttl(key) in (60, 59)
    assert await counters.count("never:spent") == 0
    assert await counters.spend_all_within([]) == []
    await counters.give_back_all([])
