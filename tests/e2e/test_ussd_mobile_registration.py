"""A citizen registers by mobile subscriber from a feature phone, through `POST /ussd`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from bot.state.store import StoreUnavailable
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import (
    AN_USSD,
    USSD_PASSWORD,
    Handset,
    option,
    register_up_to_summary,
    sms_codes,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


async def test_citizen_registers_by_mobile_over_ussd_with_a_star_in_the_password(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    assert "Nguyen Van An" in summary and "001090012345" in summary
    screen = await phone.press(option(summary, "Xac nhan"))
    assert "OTP" in screen and screen.startswith("CON ")
    [code] = await sms_codes(bot, AN_USSD["phone"])
    screen = await phone.press(code)
    assert "mat khau" in screen.lower()
    await phone.press(USSD_PASSWORD)
    done = await phone.press(USSD_PASSWORD)
    assert done.startswith("END Dang ky thanh cong")
    # guide 1.1: level 2, verified by the carrier - said on a feature phone too
    assert "muc 2 (xac minh boi nha mang)" in done, done
    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
    assert not any(USSD_PASSWORD in s or code in s for s in phone.screens)  # never echoed


async def test_a_retried_gateway_request_gets_the_same_screen_and_one_sms_and_one_account(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    otp_screen = await phone.press(option(summary, "Xac nhan"))
    assert await phone.again() == otp_screen
    assert len(await bot.sms_to(AN_USSD["phone"])) == 1
    [code] = await sms_codes(bot, AN_USSD["phone"])
    await phone.press(code)
    await phone.press(USSD_PASSWORD)
    done = await phone.press(USSD_PASSWORD)
    assert await phone.again() == done
    assert done.startswith("END ")
    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
    assert len(await bot.sms_to(AN_USSD["phone"])) == 1


async def test_a_citizen_whose_session_dropped_continues_where_they_left_off(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "Thue bao di dong"))
    await phone.press(AN_USSD["name"])
    await phone.press(AN_USSD["born"])  # the network drops the session here

    offer = await phone.dial()
    assert "1 Tiep tuc" in offer and "2 Dang ky lai" in offer
    screen = await phone.press(option(offer, "Tiep tuc"))
    # what she typed is hers: a new network session first proves the phone
    assert "ma OTP 6 so da gui toi 09*****678" in screen and "Nguyen" not in screen
    screen = await phone.press((await sms_codes(bot, AN_USSD["phone"]))[-1])
    assert "CCCD" in screen  # the id number step, name and birth date kept
    await phone.press(AN_USSD["id"])
    screen = await phone.press("0")  # back: the id number is kept
    assert "Giu nguyen: 001090012345" in screen


async def test_a_citizen_who_drops_out_can_start_again_from_the_first_screen(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "Thue bao di dong"))
    await phone.press(AN_USSD["name"])
    offer = await phone.dial()
    screen = await phone.press(option(offer, "Dang ky lai"))
    assert "Ban la:" in screen
    assert "Tiep tuc" not in await phone.dial()  # nothing unfinished any more


async def test_zero_goes_back_and_double_zero_returns_to_the_first_screen(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "Thue bao di dong"))
    await phone.press(AN_USSD["name"])
    screen = await phone.press("0")
    assert "ho va ten" in screen and "Nguyen Van An" in screen  # kept, offered to keep
    screen = await phone.press("00")
    assert "Ban la:" in screen


async def test_an_english_speaker_switches_language_and_registers(bot: BotHarness) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "English"))
    assert "You are:" in screen
    screen = await phone.press(option(screen, "Citizen"))
    await phone.press(option(screen, "Mobile subscriber"))
    await phone.press(AN_USSD["name"])
    await phone.press(AN_USSD["born"])
    screen = await phone.press(AN_USSD["id"])
    screen = await phone.press(option(screen, "Use 09*****678"))
    summary = await phone.press(option(screen, "Skip"))
    screen = await phone.press(option(summary, "Confirm"))
    [code] = await sms_codes(bot, AN_USSD["phone"])
    await phone.press(code)
    await phone.press(USSD_PASSWORD)
    done = await phone.press(USSD_PASSWORD)
    assert done.startswith("END Registration complete!")
    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])


async def test_a_citizen_registering_twice_gets_the_notice_and_its_ways_out_on_one_screen(
    bot: BotHarness,
) -> None:
    first = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(first, AN_USSD)
    await first.press(option(summary, "Xac nhan"))
    [code] = await sms_codes(bot, AN_USSD["phone"])
    await first.press(code)
    await first.press(USSD_PASSWORD)
    await first.press(USSD_PASSWORD)

    again = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(again, AN_USSD)
    notice = await again.press(option(summary, "Xac nhan"))
    assert "99 Xem tiep" not in notice and "da co tai khoan" in notice
    assert "Quen mat khau" in notice and "Man hinh dau" in notice and "18001096" in notice
    # the guide's three ways: "Quên mật khẩu", a service counter, a complaint
    assert "quay giao dich" in notice and "khieu nai" in notice
    assert len(await bot.sms_to(AN_USSD["phone"])) == 1  # no code for an existing account


async def test_a_keypad_date_of_birth_with_stars_is_understood(bot: BotHarness) -> None:
    """A feature phone has no `/`: `17*05*1990` arrives inside the gateway's `*` text."""
    phone = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, dict(AN_USSD, born="17*05*1990"))
    assert "17/05/1990" in summary


async def test_a_late_retry_of_an_earlier_request_gets_that_request_s_screen(
    bot: BotHarness,
) -> None:
    """Gateways retry out of order: the retry of request 2 after request 3 gets screen 2."""
    phone = Handset(bot.client, AN_USSD["phone"])
    first = await phone.dial()
    citizen = await phone.press(option(first, "Cong dan"))
    methods_text = "*".join(phone.inputs)
    await phone.press(option(citizen, "Thue bao di dong"))  # -> the name step
    status, body = await phone.post(
        sessionId=phone.session,
        serviceCode="*123#",
        phoneNumber=AN_USSD["phone"],
        text=methods_text,
    )
    assert status == 200 and body == citizen


async def test_a_long_screen_is_read_page_by_page_with_99(bot: BotHarness) -> None:
    """A long name and email on a BHXH summary do not fit one screen: "99" shows the rest."""
    person = {
        "bhxh_code": "0101010101",
        "full_name": "Tôn Nữ Thị Ngọc Ánh Phương Thảo",
        "date_of_birth": "1990-05-17",
        "gender": "female",
        "id_number": "001190012345",
        "phone": AN_USSD["phone"],
    }
    assert await bot.sim_post("/sim/bhxh/insured", person) == 201
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "BHXH"))
    for typed in ("0101010101", "Ton Nu Thi Ngoc Anh Phuong Thao", "17051990"):
        screen = await phone.press(typed)
    email = "ton.nu.thi.ngoc.anh.phuong.thao.ke.toan@cong-ty-hoa-sen.example.com"
    page_one = await phone.press(email)
    assert page_one.endswith("\n99 Xem tiep"), page_one
    page_two = await phone.press("99")
    assert page_two != page_one and await phone.again() == page_two  # a retry: same page
    assert "Xac nhan" in page_one + page_two


async def test_an_english_speaker_whose_call_meets_a_store_that_is_down_is_told_in_english(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    screen = await phone.dial()
    screen = await phone.press(option(screen, "English"))
    await phone.press(option(screen, "Citizen"))
    store = bot.app[RUNTIME].store

    def down(keys: object) -> object:
        raise StoreUnavailable("down")

    monkeypatch.setattr(store, "hold", down)  # his record cannot be read, nor his language

    screen = await phone.press("Nguyen Van An")

    assert screen.startswith("END ") and "Try again later" in screen
    assert "Thu lai sau" in screen
    monkeypatch.undo()  # back: what he chose is still there
    screen = await phone.dial()
    assert "Continue" in screen
