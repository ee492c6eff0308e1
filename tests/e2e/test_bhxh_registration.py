"""Stories of registration by social-insurance (BHXH) code (guide §1.2), through the engine
with the real app, the BHXH and SMS simulators over HTTP and the SQLite accounts database."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.accounts.model import AccountKind
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import (
    AN_BHXH,
    HUY,
    HUY_ID,
    HUY_PHONE,
    PASSWORD,
    Handset,
    confirm_bhxh,
    fill_bhxh_details,
    option,
    register_by_bhxh,
    text_of,
    type_bhxh_code,
)

LAN = {"code": "7912345678", "name": "Vo Thi Lan", "dob": "14/02/2003"}  # no phone on record
AN_ID = "001090012345"
# 03:00 UTC is 10:00 in Vietnam: a lock set now ends at 11:00 Vietnam time.
FIXED_NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


async def edit(bot: BotHarness, user: str, screen: list[str], field: str) -> list[str]:
    """ "Sửa thông tin" -> the field to change."""
    which = await bot.say(user, option(screen, "Sửa thông tin"))
    return await bot.say(user, option(which, field))


async def test_insured_citizen_registers_by_bhxh_code_and_never_types_an_id(
    bot_app: BotHarness,
) -> None:
    summary = text_of(await fill_bhxh_details(bot_app, "huy", HUY))
    assert "0123456789" in summary and "do quang huy" in summary and "30/08/1992" in summary

    otp_screen = text_of(await bot_app.pick("huy", "Xác nhận"))
    assert "09*****456" in otp_screen  # the phone on the BHXH record, masked
    assert HUY_PHONE not in otp_screen and "0903123456" not in otp_screen
    sms = await bot_app.sms_to(HUY_PHONE)
    assert len(sms) == 1 and "Cong Dich vu cong" in sms[0]

    await bot_app.say("huy", await bot_app.last_code(HUY_PHONE))
    await bot_app.say("huy", PASSWORD)
    done = text_of(await bot_app.say("huy", PASSWORD))
    assert "Đăng ký thành công" in done and "cơ quan BHXH" in done
    assert HUY_ID in done  # the account's own number, in full to its owner

    account = await bot_app.accounts.find(AccountKind.CITIZEN, HUY_ID)
    assert account is not None
    assert (account.verification_level, account.method) == (2, "bhxh")
    assert (account.id_number, account.phone, account.id_type) == (HUY_ID, HUY_PHONE, "CCCD")
    assert account.full_name == "Đỗ Quang Huy"  # the register's spelling, not the typed one
    assert account.password_hash and account.password_hash.startswith("$argon2id$")


async def test_an_unknown_code_is_said_clearly_and_can_be_corrected(bot_app: BotHarness) -> None:
    wrong = {**HUY, "code": "0123456780"}
    screen = await confirm_bhxh(bot_app, "typo", wrong)
    assert "mã số BHXH không có trong cơ sở dữ liệu" in text_of(screen)
    assert "thẻ BHYT, sổ BHXH hoặc ứng dụng VssID" in text_of(screen)  # where to find it
    assert any("phương thức đăng ký khác" in line for line in screen)
    assert any("Cách khác / hỗ trợ" in line for line in screen)

    again = await edit(bot_app, "typo", screen, "Mã số BHXH")
    assert "mã số BHXH" in text_of(again)
    summary = await bot_app.say("typo", HUY["code"])  # back at the summary, the rest kept
    assert bot_app.last["typo"].step == "bhxh.summary"
    otp_screen = text_of(await bot_app.say("typo", option(summary, "Xác nhận")))
    assert "09*****456" in otp_screen
    assert len(await bot_app.sms_to(HUY_PHONE)) == 1


async def test_an_unknown_code_lets_the_person_choose_another_method(bot_app: BotHarness) -> None:
    screen = await confirm_bhxh(bot_app, "other", {**HUY, "code": "1111111111"})
    methods = text_of(await bot_app.say("other", option(screen, "phương thức đăng ký khác")))
    assert "Thuê bao di động" in methods and "Bảo hiểm xã hội" in methods


async def test_an_unknown_code_and_either_wrong_detail_get_one_reply_naming_no_field(
    bot_app: BotHarness,
) -> None:
    """A reply that named the wrong field confirmed the other one to a guesser."""
    unknown = text_of(await confirm_bhxh(bot_app, "a", {**HUY, "code": "0123456780"}))
    wrong_name = text_of(await confirm_bhxh(bot_app, "b", {**HUY, "name": "Do Quang Hung"}))
    wrong_date = text_of(await confirm_bhxh(bot_app, "c", {**HUY, "dob": "31/08/1992"}))
    both = text_of(
        await confirm_bhxh(bot_app, "d", {**HUY, "name": "Do Quang Hung", "dob": "1/1/1990"})
    )
    assert unknown == wrong_name == wrong_date == both
    assert "họ tên, ngày sinh" in unknown and "còn 2 lần thử" in unknown


async def test_a_mismatched_name_is_refused_without_showing_the_register_and_can_be_fixed(
    bot_app: BotHarness,
) -> None:
    refused = await confirm_bhxh(bot_app, "mis", {**HUY, "name": "Do Quang Hung"})
    screen = text_of(refused)
    assert "không khớp" in screen
    assert "Huy" not in screen and HUY_ID not in screen and "09" not in screen
    assert await bot_app.sms_to(HUY_PHONE) == []
    assert await bot_app.accounts.find(AccountKind.CITIZEN, HUY_ID) is None

    await edit(bot_app, "mis", refused, "Họ và tên")
    summary = await bot_app.say("mis", "Đỗ Quang Huy")
    assert "09*****456" in text_of(await bot_app.say("mis", option(summary, "Xác nhận")))


async def test_details_that_do_not_match_the_bhxh_record_are_said_to_block_the_registration(
    bot_app: BotHarness,
) -> None:
    # guide §1.2: data that does not match the BHXH database gets the message that the
    # account cannot be registered - on a chat and on a feature phone alike
    refused = text_of(await confirm_bhxh(bot_app, "mis", {**HUY, "dob": "03/08/1992"}))
    assert "Không đăng ký được tài khoản" in refused and "không khớp" in refused

    phone = Handset(bot_app.client, "+84987000999")
    screen = await phone.dial()
    for label in ("Cong dan", "Ma so BHXH"):
        screen = await phone.press(option(screen, label))
    for typed in (HUY["code"], HUY["name"], "03081992"):
        screen = await phone.press(typed)
    screen = await phone.press(option(screen, "Bo qua"))
    screen = await phone.press(option(screen, "Xac nhan"))
    assert screen.startswith("CON Khong dang ky duoc") and "khong khop BHXH" in screen
    assert len(screen) <= 182 and "Sua thong tin" in screen, screen  # one page, no "99"
    assert await bot_app.sms_to(HUY_PHONE) == []


async def test_a_feature_phone_caller_sees_every_detail_on_the_summary_with_confirm(
    bot_app: BotHarness,
) -> None:
    """A long email pushed it to a second page, after "Xac nhan": confirmed unseen."""
    phone = Handset(bot_app.client, "+84987000666")
    screen = await phone.dial()
    for label in ("Cong dan", "Ma so BHXH"):
        screen = await phone.press(option(screen, label))
    for typed in (HUY["code"], "Do Quang Huy", "30081992", "do.quang.huy.ketoan@congty-hoasen.vn"):
        screen = await phone.press(typed)
    assert "99" not in screen.split() and len(screen) <= 182, screen
    for shown in (
        HUY["code"],
        "Do Quang Huy",
        "30/08/1992",
        "do.quang.huy.ketoan@congty-hoasen.vn",
    ):
        assert shown in screen, screen
    assert "09*****456" in await phone.press(option(screen, "Xac nhan"))


async def retry(bot: BotHarness, user: str) -> str:
    """After a refusal: "Sửa thông tin" -> the birth date, kept -> the summary -> confirm."""
    which = await bot.pick(user, "Sửa thông tin")
    await bot.say(user, option(which, "Ngày sinh"))
    summary = await bot.pick(user, "Giữ nguyên")  # keep it
    return text_of(await bot.say(user, option(summary, "Xác nhận")))


async def test_a_strangers_three_misses_stop_the_stranger_but_not_the_owner(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    # The real owner has filled in the form in another chat, but not yet confirmed.
    await fill_bhxh_details(bot_app, "owner", HUY)

    guess = {**HUY, "dob": "01/01/1990"}
    first = text_of(await confirm_bhxh(bot_app, "guesser", guess))
    assert "còn 2 lần" in first
    assert "còn 1 lần" in await retry(bot_app, "guesser")
    assert "còn 0 lần" in await retry(bot_app, "guesser")
    stopped = await retry(bot_app, "guesser")
    assert "quá nhiều lần đối chiếu" in stopped and "11:00" in stopped and "giờ Việt Nam" in stopped

    # The owner, with the right details, is not locked out by one stranger.
    owner = text_of(await bot_app.pick("owner", "Xác nhận"))
    assert "09*****456" in owner
    assert len(await bot_app.sms_to(HUY_PHONE)) == 1


async def test_ten_misses_from_many_callers_lock_the_code_for_everyone_until_a_stated_time(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    await fill_bhxh_details(bot_app, "owner", HUY)
    for n in range(10):  # ten strangers, one guess each
        screen = text_of(
            await confirm_bhxh(bot_app, f"stranger-{n}", {**HUY, "dob": f"{n + 1}/1/1990"})
        )
        assert "còn 2 lần" in screen
    owner = text_of(await bot_app.pick("owner", "Xác nhận"))
    assert "quá nhiều lần đối chiếu" in owner and "11:00" in owner
    assert await bot_app.sms_to(HUY_PHONE) == []
    assert await bot_app.accounts.find(AccountKind.CITIZEN, HUY_ID) is None
    # ... anyone else is told so as soon as the code is typed.
    late = text_of(await type_bhxh_code(bot_app, "late", HUY["code"]))
    assert "quá nhiều lần đối chiếu" in late and "11:00" in late
    # Other codes are not affected.
    assert "09*****678" in text_of(await confirm_bhxh(bot_app, "an", AN_BHXH))


async def test_a_citizen_whose_code_is_locked_at_once_edits_through_the_whole_form(
    bot_app: BotHarness,
) -> None:
    """Huy mistypes his code as one that strangers have locked: "Sửa thông tin" takes him
    back to the code and then asks his name and birth date - never a summary with the
    required fields empty and a "Xác nhận" under it."""
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    for n in range(10):  # ten strangers lock the code AN_BHXH
        await confirm_bhxh(bot_app, f"stranger-{n}", {**AN_BHXH, "dob": f"{n + 1}/1/1990"})
    locked = await type_bhxh_code(bot_app, "huy", AN_BHXH["code"])
    assert "quá nhiều lần đối chiếu" in text_of(locked)

    code_again = text_of(await bot_app.pick("huy", "Sửa thông tin"))
    assert "mã số BHXH" in code_again and "Họ tên:" not in code_again
    assert "họ và tên" in text_of(await bot_app.say("huy", HUY["code"]))
    await bot_app.say("huy", HUY["name"])
    email = await bot_app.say("huy", HUY["dob"])
    summary = text_of(await bot_app.say("huy", option(email, "Bỏ qua")))
    assert "Họ tên: do quang huy" in summary and "Ngày sinh: 30/08/1992" in summary
    assert "09*****456" in text_of(await bot_app.pick("huy", "Xác nhận"))


async def test_a_second_registration_for_the_same_person_gets_the_duplicate_message(
    bot_app: BotHarness,
) -> None:
    done = text_of(await register_by_bhxh(bot_app, "an", AN_BHXH, "+84912345678"))
    assert "Đăng ký thành công" in done

    screen = await confirm_bhxh(bot_app, "again", AN_BHXH)
    text = text_of(screen)
    assert "đã được dùng để đăng ký" in text and "khiếu nại" in text
    assert "09*****678" not in text  # nothing about the existing account
    assert len(await bot_app.sms_to("+84912345678")) == 1  # no code for the duplicate
    forgot = text_of(await bot_app.say("again", option(screen, "Quên mật khẩu")))
    assert "Lấy lại mật khẩu" in forgot


async def test_a_record_without_a_phone_leads_to_registration_by_mobile_subscriber(
    bot_app: BotHarness,
) -> None:
    screen = await confirm_bhxh(bot_app, "lan", LAN)
    text = text_of(screen)
    assert "chưa có số điện thoại" in text and "thuê bao di động" in text
    assert await bot_app.accounts.find(AccountKind.CITIZEN, "092303009911") is None
    mobile = text_of(await bot_app.say("lan", option(screen, "thuê bao di động")))
    assert "Đăng ký bằng thuê bao di động" in mobile
    assert "Vo Thi Lan" in mobile  # what she typed is offered to keep


async def test_other_ways_are_offered_on_the_first_screen_and_after_a_failure(
    bot_app: BotHarness,
) -> None:
    first = await bot_app.say("help")
    ways = text_of(await bot_app.say("help", option(first, "Cách khác")))
    assert "Quầy giao dịch" in ways and "Khiếu nại" in ways and "Bưu điện" in ways

    failed = await confirm_bhxh(bot_app, "failed", {**HUY, "code": "2222222222"})
    again = text_of(await bot_app.say("failed", option(failed, "Cách khác")))
    assert again == ways


async def test_details_of_one_record_never_carry_over_to_the_next_person(
    bot_app: BotHarness,
) -> None:
    """Huy's record matched; then "edit" and Lan's code (no phone): the mobile dialog
    offered next must not hold Huy's ID or phone, proven by nobody."""
    await confirm_bhxh(bot_app, "swap", HUY)
    assert bot_app.last["swap"].step == "bhxh.otp"
    from bot.engine.messages import Action

    summary = await bot_app.say("swap", action=Action.BACK)
    for field, typed in (
        ("Mã số BHXH", LAN["code"]),
        ("Họ và tên", LAN["name"]),
        ("Ngày sinh", LAN["dob"]),
    ):
        await edit(bot_app, "swap", summary, field)
        summary = await bot_app.say("swap", typed)
    screen = await bot_app.say("swap", option(summary, "Xác nhận"))
    await bot_app.say("swap", option(screen, "thuê bao di động"))
    await bot_app.pick("swap", "Giữ nguyên")  # keep her name
    id_step = text_of(await bot_app.pick("swap", "Giữ nguyên"))  # keep her birth date
    assert bot_app.last["swap"].step == "mobile.id_number"
    assert "031" not in id_step and "Giữ nguyên" not in id_step
