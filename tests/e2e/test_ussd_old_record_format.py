"""A caller whose live session was written by the previous regbot (record format 3) when
the new one starts: told plainly and given the first screen, never a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from bot.state.session import DEFLATE_FROM
from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import AN_USSD as AN
from tests.e2e.stories import Handset, option, register_up_to_summary


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


async def test_a_session_in_the_previous_format_restarts_with_a_clear_message(bot: BotHarness):
    phone = Handset(bot.client, AN["phone"])
    await register_up_to_summary(phone, AN)
    engine = bot.engine
    key = engine.session_key("ussd", AN["phone"])
    record = engine.decode(await engine._store.load(key))[0]
    assert len(msgspec.msgpack.encode(record)) >= DEFLATE_FROM  # stored deflated now
    record.format = 3
    old = engine._codec._sealer.seal(msgspec.msgpack.encode(record))  # as format 3 was
    await engine._store.save(key, old, 60)

    screen = await phone.press(option(phone.screens[-1], "Xac nhan"))

    assert screen.startswith("CON Khong doc duoc phien"), screen
    assert "Cong dan" in screen  # the first screen, to start again
    assert "Thue bao di dong" in await phone.press(option(screen, "Cong dan"))  # and on
