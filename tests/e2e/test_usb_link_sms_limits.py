"""The "send the link by SMS" option (a USB-token registration from a feature phone) rings a phone
like a code does: at most three messages a registration, five an hour to one phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import AN_USSD, Handset, option


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


async def waiting_for_the_token(phone: Handset) -> str:
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    screen = await phone.press(option(screen, "USB"))
    return await phone.press(option(screen, "Lay duong dan"))


async def test_three_link_messages_a_registration_and_five_an_hour_to_a_phone(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    waiting = await waiting_for_the_token(phone)
    for _ in range(3):
        assert "09*****678" in await phone.press(option(waiting, "SMS"))
    fourth = await phone.press(option(waiting, "SMS"))
    assert "3 lan" in fourth
    assert len(await bot.sms_to(AN_USSD["phone"])) == 3

    await phone.press("00")  # home: a new registration, a new link
    again = Handset(bot.client, AN_USSD["phone"])
    waiting = await waiting_for_the_token(again)
    for _ in range(2):
        assert "09*****678" in await again.press(option(waiting, "SMS"))
    refused = await again.press(option(waiting, "SMS"))
    assert "qua nhieu tin nhan" in refused
    assert len(await bot.sms_to(AN_USSD["phone"])) == 5


async def test_an_english_caller_out_of_link_messages_is_pointed_to_an_option_on_the_screen(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    for label in ("English", "Citizen", "USB", "Get the signing link"):
        screen = await phone.press(option(screen, label))
    for _ in range(3):
        await phone.press(option(screen, "SMS"))
    fourth = await phone.press(option(screen, "SMS"))
    assert "3 times" in fourth
    rest = await phone.press("99")  # the rest of the message
    told = rest.split('"')[1]  # the option the message names, as the screen shows it
    assert told == "Get a new link" and option(fourth, told)
