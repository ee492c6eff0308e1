"""A first-time caller on a feature phone, through `POST /ussd`: the keys are said at the
start and work everywhere, menus are never hidden behind "99", and nothing dead-ends."""

from __future__ import annotations

from tests.e2e.conftest import BotHarness
from tests.e2e.stories import AN_USSD, PIN, Handset, answer_on_phone, issue_sim, option, sms_codes


async def dial_mobile_registration(bot_app: BotHarness) -> Handset:
    """An's phone dials, picks "Công dân" then "Thuê bao di động"."""
    phone = Handset(bot_app.client, AN_USSD["phone"])
    first = await phone.dial()
    await phone.press(option(first, "Cong dan"))
    await phone.press(option(phone.screens[-1], "Thue bao di dong"))
    return phone


async def test_the_first_screen_says_the_keys_and_98_explains_where_the_bhxh_code_is_printed(
    bot_app: BotHarness,
) -> None:
    phone = Handset(bot_app.client, "+84903123456")
    first = await phone.dial()
    assert "98 tro giup" in first and "97 huy" in first and "00 xoa het" in first
    await phone.press(option(first, "Cong dan"))
    screen = await phone.press(option(phone.screens[-1], "BHXH"))
    assert "BHXH" in screen and "98 Tro giup" in screen  # the keys again, where they fit
    helped = await phone.press("98")
    assert "the bao hiem y te" in helped and helped.startswith("CON ")
    name_step = await phone.press("0123456789")  # the dialog stayed at the code step
    assert "ho va ten" in name_step.lower()


async def test_97_cancels_deletes_what_was_typed_and_the_next_call_starts_afresh(
    bot_app: BotHarness,
) -> None:
    phone = await dial_mobile_registration(bot_app)
    await phone.press(AN_USSD["name"])
    cancelled = await phone.press("97")
    assert cancelled.startswith("END Da huy")
    again = await phone.dial()
    assert "Ban la:" in again and "dang lam do" not in again  # nothing left to resume


async def test_00_clears_what_was_typed_and_shows_the_first_screen(bot_app: BotHarness) -> None:
    phone = await dial_mobile_registration(bot_app)
    first = phone.screens[0]
    await phone.press(AN_USSD["name"])
    assert await phone.press("00") == first
    await phone.press(option(first, "Cong dan"))
    name_step = await phone.press(option(phone.screens[-1], "Thue bao di dong"))
    assert "Giu nguyen" not in name_step  # the name typed before is gone


async def test_after_a_carrier_mismatch_the_menu_is_on_the_first_page(bot_app: BotHarness) -> None:
    phone = await dial_mobile_registration(bot_app)
    for typed in ("Nguyen Van Binh", AN_USSD["born"], AN_USSD["id"]):
        await phone.press(typed)
    await phone.press(option(phone.screens[-1], "Dung so"))
    summary = await phone.press(option(phone.screens[-1], "Bo qua"))
    mismatch = await phone.press(option(summary, "Xac nhan"))
    assert "chua xac nhan" in mismatch
    assert "Sua thong tin" in mismatch and "Man hinh dau" in mismatch


async def test_signing_with_the_sim_of_the_phone_that_calls_hangs_up_and_goes_on_next_call(
    bot_app: BotHarness,
) -> None:
    """The SIM cannot show a signing request while the USSD call holds the line: the
    caller is told to hang up, confirm on the SIM, and dial again, which goes on."""
    await issue_sim(bot_app, id_number=AN_USSD["id"])  # the SIM of the phone that calls
    phone = Handset(bot_app.client, AN_USSD["phone"])
    first = await phone.dial()
    await phone.press(option(first, "Cong dan"))
    sim_step = await phone.press(option(phone.screens[-1], "Sim ky so"))
    hang_up = await phone.press(option(sim_step, "Dung so"))
    assert hang_up.startswith("END ") and "gac may" in hang_up and "goi lai" in hang_up

    early = await phone.dial()  # called back before confirming: not a dead end
    assert "dang lam do" in early
    # a new call proves the phone with a code by SMS first
    prove = await phone.press(option(early, "Tiep tuc"))
    assert "ma OTP" in prove
    not_yet = await phone.press((await sms_codes(bot_app, AN_USSD["phone"]))[-1])
    assert not_yet.startswith("CON ") and "Gui lai yeu cau" in not_yet

    assert await answer_on_phone(bot_app, {"action": "approve", "pin": PIN}) == 200
    resumed = await phone.dial()
    await phone.press(option(resumed, "Tiep tuc"))
    email = await phone.press((await sms_codes(bot_app, AN_USSD["phone"]))[-1])
    assert "Chu ky so hop le" in email  # the signature is read at once
    summary = await phone.press(option(email, "Bo qua"))
    done = await phone.press(option(summary, "Dang ky"))
    assert done.startswith("END Dang ky thanh cong"), (resumed, done)


async def test_the_date_of_birth_is_asked_plainly_and_examples_read_alike(
    bot_app: BotHarness,
) -> None:
    phone = await dial_mobile_registration(bot_app)
    date_step = await phone.press(AN_USSD["name"])
    assert "ngay sinh (ngay, thang, nam), vi du: 17051990" in date_step.lower()
    assert "ngay sinh ngay thang nam" not in date_step.lower()
    await phone.press("1990")  # not a date: the refusal gives its example the same way
    assert not any("VD:" in screen for screen in phone.screens), phone.screens


async def test_other_ways_on_ussd_do_not_say_a_post_office_resets_passwords(
    bot_app: BotHarness,
) -> None:
    phone = Handset(bot_app.client, AN_USSD["phone"])
    ways = await phone.press(option(await phone.dial(), "Cach khac"))
    assert "buu dien giup dang ky" in ways
    assert "buu dien (mang CCCD) giup dang ky, cap lai mat khau" not in ways
