"""A stranger who claims someone else's number on `POST /ussd` (a leaked gateway secret,
a gateway that passes `phoneNumber` on unchecked) gets nothing from that person's
unfinished registration: a new network session proves the phone with a code by SMS
before it sees or finishes anything the person typed or proved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import (
    AN_USSD,
    USSD_PASSWORD,
    Handset,
    option,
    register_up_to_summary,
    sms_codes,
)

EMAIL = "an.nguyen@example.com"
ATTACKER_PASSWORD = "Ke*Gian#2025"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


async def victim_past_the_otp(bot: BotHarness) -> Handset:
    """An registers from her phone up to the password step; then her network drops."""
    victim = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(victim, AN_USSD)
    await victim.press(option(summary, "Xac nhan"))
    [code] = await sms_codes(bot, AN_USSD["phone"])
    assert "mat khau" in (await victim.press(code)).lower()
    return victim


def personal(screen: str) -> bool:
    return any(part in screen for part in ("Nguyen Van An", "17/05/1990", EMAIL, "001*******45"))


async def test_a_stranger_with_the_victims_number_cannot_set_the_password_after_her_otp(
    bot: BotHarness,
) -> None:
    await victim_past_the_otp(bot)
    codes_before = len(await bot.sms_to(AN_USSD["phone"]))

    stranger = Handset(bot.client, AN_USSD["phone"])  # the victim's number, a new session
    offer = await stranger.dial()
    assert "Tiep tuc" in offer  # the contract: continue or start again
    screen = await stranger.press(option(offer, "Tiep tuc"))
    assert "mat khau" not in screen.lower() and "09*****678" in screen
    # the code went to the victim's phone, not to whoever made the request
    assert len(await bot.sms_to(AN_USSD["phone"])) == codes_before + 1
    for typed in ("000000", ATTACKER_PASSWORD, ATTACKER_PASSWORD, "123456", "654321"):
        screen = await stranger.press(typed)
        assert "mat khau" not in screen.lower(), screen
    assert not await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
    assert not any(personal(screen) for screen in stranger.screens)


async def test_a_registration_dropped_at_the_summary_shows_nothing_to_a_new_session(
    bot: BotHarness,
) -> None:
    victim = Handset(bot.client, AN_USSD["phone"])
    screen = await victim.dial()
    screen = await victim.press(option(screen, "Cong dan"))
    await victim.press(option(screen, "Thue bao di dong"))
    await victim.press(AN_USSD["name"])
    await victim.press(AN_USSD["born"])
    screen = await victim.press(AN_USSD["id"])
    await victim.press(option(screen, "Dung so"))
    summary = await victim.press(EMAIL)
    assert "Nguyen Van An" in summary  # she sees her summary; then the network drops

    stranger = Handset(bot.client, AN_USSD["phone"])
    offer = await stranger.dial()
    screen = await stranger.press(option(offer, "Tiep tuc"))
    for typed in ("0", "1", "99", "000000"):  # back, confirm, more, a guess
        await stranger.press(typed)
    assert not any(personal(screen) for screen in stranger.screens), stranger.screens
    # no carrier check, no registration code: only the code that proves the phone
    texts = await bot.sms_to(AN_USSD["phone"])
    assert len(texts) == 1 and "tiep tuc" in texts[0].lower()


async def test_the_owner_who_redials_proves_her_phone_and_finishes(bot: BotHarness) -> None:
    await victim_past_the_otp(bot)
    again = Handset(bot.client, AN_USSD["phone"])
    offer = await again.dial()
    screen = await again.press(option(offer, "Tiep tuc"))
    assert "09*****678" in screen and "mat khau" not in screen.lower()
    proof = (await sms_codes(bot, AN_USSD["phone"]))[-1]
    screen = await again.press(proof)
    assert "mat khau" in screen.lower()  # back where she left off
    await again.press(USSD_PASSWORD)
    done = await again.press(USSD_PASSWORD)
    assert done.startswith("END Dang ky thanh cong")
    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])


async def test_a_new_session_may_start_again_without_a_code(bot: BotHarness) -> None:
    await victim_past_the_otp(bot)
    sent = len(await bot.sms_to(AN_USSD["phone"]))
    stranger = Handset(bot.client, AN_USSD["phone"])
    offer = await stranger.dial()
    screen = await stranger.press(option(offer, "Dang ky lai"))
    assert "Ban la:" in screen  # the first screen
    assert len(await bot.sms_to(AN_USSD["phone"])) == sent  # nothing was sent to anyone


async def test_a_dialog_that_holds_nothing_personal_resumes_at_once(bot: BotHarness) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "Thue bao di dong"))  # the name step: nothing typed

    offer = await phone.dial()
    screen = await phone.press(option(offer, "Tiep tuc"))
    assert "ho va ten" in screen
    assert await bot.sms_to(AN_USSD["phone"]) == []
