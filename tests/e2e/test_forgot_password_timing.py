"""A forgot-password request that matches an account must not answer measurably later
than one that matches nothing: the code's SMS leaves only once the reply is written.

No timing is asserted (timings flake); the order is. The reply is held open for a while
just before it is written, and the SMS gateway must not have been called by then. The
figures are measured by `bench/forgot_timing.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import AN_ID, AN_PHONE, Handset, open_account, option

ARMED: list[bool] = []
SEEN_BEFORE_REPLY: list[list[dict[str, str]]] = []


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    ARMED.clear()
    SEEN_BEFORE_REPLY.clear()

    async def hold_the_reply_open(request: web.Request, _: web.StreamResponse) -> None:
        """Armed for one /ussd reply: wait just before it is written, then look at the
        SMS gateway's outbox."""
        if request.path != "/ussd" or not ARMED:
            return
        ARMED.clear()
        await asyncio.sleep(0.2)  # the loop is free: a task started in the turn runs now
        async with ClientSession() as http:
            url = f"http://{request.host}/sim/sms/outbox"
            async with http.get(url, params={"to": AN_PHONE}) as outbox:
                SEEN_BEFORE_REPLY.append(await outbox.json())

    def hook(app: web.Application) -> None:
        app.on_response_prepare.append(hold_the_reply_open)

    async with make_harness(harness_settings(tmp_path), before_start=hook) as harness:
        yield harness


async def test_the_reset_code_leaves_only_after_the_reply_is_written(bot: BotHarness) -> None:
    await open_account(bot)
    phone = Handset(bot.client, AN_PHONE)
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Quen mat khau"))
    await phone.press(option(screen, "Cong dan"))
    await phone.press(AN_ID)
    ARMED.append(True)  # the next reply is the one that hands the SMS off
    reply = await phone.press("0912345678")
    assert "09*****678" in reply
    assert SEEN_BEFORE_REPLY == [[]]  # nothing had reached the SMS gateway
    assert len(await bot.sms_to(AN_PHONE)) == 1  # and then the code went
