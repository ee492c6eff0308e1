"""A feature-phone citizen whose SMS gateway takes the code but answers after regbot has
stopped waiting: the code may be on its way, so it stands - the one that arrives works, and
no second one is sent in its place. Through `POST /ussd`; the gateway is the simulator,
told to answer late (`/sim/sms/faults {"delay"}`)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import AN_USSD, USSD_PASSWORD, Handset, option, register_up_to_summary

WAITED: float = 0.3  # how long regbot waits for an external system here (5 s in service)


async def arrived(bot: BotHarness, phone: str) -> list[str]:
    """The SMS to `phone`, once the gateway has delivered what it was holding."""
    for _ in range(100):
        if sent := await bot.sms_to(phone):
            return sent
        await asyncio.sleep(0.05)
    return []


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path, http_timeout=WAITED)) as harness:
        yield harness


async def test_a_citizen_whose_code_the_sms_gateway_confirmed_too_late_types_it_and_goes_on(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    assert await bot.sim_post("/sim/sms/faults", {"delay": WAITED * 3, "count": 1}) == 200

    screen = await phone.press(option(summary, "Xac nhan"))

    assert screen.startswith("CON ") and "co the den muon" in screen  # may come late
    assert "Gui lai OTP" in screen  # and what to do if it does not
    [sms] = await arrived(bot, AN_USSD["phone"])  # it does come, late
    [code] = re.findall(r"\b\d{6}\b", sms)
    assert "mat khau" in (await phone.press(code)).lower()  # and it works
    await phone.press(USSD_PASSWORD)
    done = await phone.press(USSD_PASSWORD)
    assert done.startswith("END Dang ky thanh cong")
    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
    assert await bot.sms_to(AN_USSD["phone"]) == [sms]  # one code, one SMS
