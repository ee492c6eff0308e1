"""A Zalo turn whose state could not be written (the store's lock expired under load) is
applied again by a drain a moment later, without the person writing again - and its answer
reaches the person once, not twice: the turn is written before anything is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.state import StoreUnavailable
from bot.state.store import Held
from bot.web.app import RUNTIME
from tests.e2e.zalo_world import ZaloWorld, text_of, zalo_fixture  # noqa: F401 - fixture


def lose_the_next_write(world: ZaloWorld, user: str) -> list[str]:
    """The next write of the person's conversation fails as a lost lock does (nothing
    written, StoreUnavailable); returns a list that records it happened."""
    runtime = world.bot.app[RUNTIME]
    conversation = runtime.engine.session_key("zalo", user)
    store: Any = runtime.store
    hold = store.hold
    lost: list[str] = []

    @asynccontextmanager
    async def failing_once(keys: Sequence[str]) -> AsyncIterator[Held]:
        async with hold(keys) as held:
            yield held
            if not lost and keys[0] == conversation and held.writes:
                lost.append(keys[0])
                held.writes.clear()  # nothing written, as the Redis commit script does
                raise StoreUnavailable("lock lost")

    store.hold = failing_once
    return lost


async def test_a_citizen_whose_turn_could_not_be_written_is_answered_once_without_writing_again(
    zalo: ZaloWorld,
) -> None:
    await zalo.event("lan", "follow")
    lost = lose_the_next_write(zalo, "lan")
    before = len(await zalo.inbox("lan"))
    await zalo.deliver("lan", {"text": "1"})  # "Công dân": the write of this turn is lost
    await zalo.settle()  # ... and the worker drains again a moment later, by itself
    assert lost, "the test did not lose a write"
    after_loss = [m["text"] for m in (await zalo.inbox("lan"))[before:]]
    methods = [t for t in after_loss if t.startswith("Chọn phương thức đăng ký cho Công dân")]
    assert len(methods) == 1, after_loss  # the citizen's methods, shown once
    answers = await zalo.say("lan", "?")  # her next message is read at that screen
    assert "Thuê bao di động" in text_of(answers)  # "?" explains it
    assert not any(t.startswith("Chọn phương thức") for t in [m["text"] for m in answers])
