"""Stories of "Quên mật khẩu" through the engine with the real app, the SMS simulator over
HTTP and the SQLite accounts database: a reset works for the owner, and nobody can learn
from the replies whether an account exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.accounts.model import AccountKind, IdType
from bot.engine.messages import Action
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import (
    AN_ID,
    AN_PHONE,
    AN_TYPED_PHONE,
    HASHER,
    PASSWORD,
    PIN,
    Handset,
    answer_on_phone,
    ask_for_code,
    ask_signature,
    choose,
    fill_mobile_details,
    issue_sim,
    open_account,
    option,
    register_by_mobile,
    text_of,
)

OLD, NEW = PASSWORD, "Sen-Hong#2025"  # OLD: what `open_account` sets
TAX_CODE, BIZ_PHONE = "0100109106", "+84987654321"
# 03:00 UTC is 10:00 in Vietnam.
FIXED_NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


async def password_of(bot: BotHarness, kind: AccountKind, id_number: str) -> str:
    account = await bot.accounts.find(kind, id_number)
    assert account is not None and account.password_hash
    return account.password_hash


async def test_citizen_who_forgot_the_password_sets_a_new_one_with_a_code_to_the_account_phone(
    bot_app: BotHarness,
) -> None:
    await open_account(bot_app)
    screen = text_of(await ask_for_code(bot_app, "an", AN_ID, AN_TYPED_PHONE))
    assert "Nếu số giấy tờ và số điện thoại 09*****678 khớp" in screen
    sms = await bot_app.sms_to(AN_PHONE)
    assert len(sms) == 1 and "lay lai mat khau" in sms[0]

    await bot_app.say("an", await bot_app.last_code(AN_PHONE))
    weak = text_of(await bot_app.say("an", "password"))
    assert "mật khẩu" in weak.lower()  # the same password rules as registration
    await bot_app.say("an", NEW)
    done = text_of(await bot_app.say("an", NEW))
    assert "Đặt lại mật khẩu thành công" in done

    stored = await password_of(bot_app, AccountKind.CITIZEN, AN_ID)
    hasher = HASHER
    assert hasher.verify(stored, NEW) and not hasher.verify(stored, OLD)


async def test_a_password_reset_is_told_to_the_accounts_phone_without_a_secret(
    bot_app: BotHarness,
) -> None:
    """Whoever reset it, the owner's phone hears of it and can call the complaint line."""
    await open_account(bot_app)
    await ask_for_code(bot_app, "an", AN_ID, AN_TYPED_PHONE)
    code = await bot_app.last_code(AN_PHONE)
    await bot_app.say("an", code)
    await bot_app.say("an", NEW)
    await bot_app.say("an", NEW)
    [_code_sms, notice] = await bot_app.sms_to(AN_PHONE)
    assert "vua duoc dat lai" in notice and "18001096" in notice
    assert code not in notice and NEW not in notice and AN_ID not in notice
    assert notice.isascii()


async def test_the_reset_notice_is_in_the_language_of_the_conversation(
    bot_app: BotHarness,
) -> None:
    await open_account(bot_app)
    first = await bot_app.say("en", lang="en")
    await bot_app.say("en", option(first, "Forgot password"))
    await bot_app.pick("en", "Citizen")
    for typed in (AN_ID, AN_TYPED_PHONE):
        await bot_app.say("en", typed)
    await bot_app.say("en", await bot_app.last_code(AN_PHONE))
    await bot_app.say("en", NEW)
    done = text_of(await bot_app.say("en", NEW))
    assert "password" in done.lower()
    notice = (await bot_app.sms_to(AN_PHONE))[-1]
    assert "was just reset" in notice


async def test_a_business_resets_its_password_with_its_tax_code(bot_app: BotHarness) -> None:
    await open_account(
        bot_app,
        kind=AccountKind.BUSINESS,
        id_type=IdType.MST,
        id_number=TAX_CODE,
        full_name="Công ty TNHH Sen Hồng",
        phone=BIZ_PHONE,
    )
    await ask_for_code(bot_app, "biz", TAX_CODE, "0987654321", kind="Doanh nghiệp")
    await bot_app.say("biz", await bot_app.last_code(BIZ_PHONE))
    await bot_app.say("biz", NEW)
    assert "thành công" in text_of(await bot_app.say("biz", NEW))
    stored = await password_of(bot_app, AccountKind.BUSINESS, TAX_CODE)
    assert HASHER.verify(stored, NEW)


async def test_the_replies_are_the_same_whether_or_not_an_account_matches(
    bot_app: BotHarness,
) -> None:
    await open_account(bot_app)
    owner = await ask_for_code(bot_app, "owner", AN_ID, AN_TYPED_PHONE)
    stranger = await ask_for_code(bot_app, "stranger", "079185004321", AN_TYPED_PHONE)
    wrong_phone = await ask_for_code(bot_app, "wrong-phone", AN_ID, "0903 123 456")
    assert stranger == owner
    assert [line.replace("09*****456", "09*****678") for line in wrong_phone] == owner
    assert len(await bot_app.sms_to(AN_PHONE)) == 1  # only the owner got a code
    assert await bot_app.sms_to("+84903123456") == []

    # Resending looks the same too (too soon, for both)...
    assert await bot_app.pick("stranger", "Gửi lại") == await bot_app.pick("owner", "Gửi lại")
    # ... and a code typed where none was sent is just wrong, even the owner's real one.
    code = await bot_app.last_code(AN_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    assert await bot_app.say("stranger", code) == await bot_app.say("owner", wrong)
    assert "không đúng" in text_of(await bot_app.say("stranger", code))
    assert await bot_app.accounts.find(AccountKind.CITIZEN, "079185004321") is None


async def test_a_signature_account_without_phone_gets_the_same_reply_with_the_signature_advice(
    bot_app: BotHarness,
) -> None:
    await open_account(bot_app, method="sim", verification_level=3, phone=None, password_hash=None)
    signer = await ask_for_code(bot_app, "signer", AN_ID, AN_TYPED_PHONE)
    nobody = await ask_for_code(bot_app, "nobody", "048168001122", AN_TYPED_PHONE)
    assert signer == nobody
    text = text_of(signer)
    assert "Sim ký số hoặc USB ký số" in text and "chữ ký số" in text and "quầy giao dịch" in text
    assert await bot_app.sms_to(AN_PHONE) == []


async def test_three_codes_an_hour_per_identity_whether_or_not_the_account_exists(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    await open_account(bot_app)
    for n in range(3):
        screen = text_of(await ask_for_code(bot_app, f"an-{n}", AN_ID, AN_TYPED_PHONE))
        assert "Nếu số giấy tờ" in screen
    fourth = text_of(await ask_for_code(bot_app, "an-3", AN_ID, AN_TYPED_PHONE))
    assert "quá nhiều yêu cầu mã OTP" in fourth and "11:00" in fourth
    assert len(await bot_app.sms_to(AN_PHONE)) == 3

    for n in range(3):
        await ask_for_code(bot_app, f"x-{n}", "079185004321", "0903 123 456")
    unknown = text_of(await ask_for_code(bot_app, "x-3", "079185004321", "0903 123 456"))
    assert unknown == fourth.replace("09*****678", "09*****456")


async def test_ten_codes_a_day_per_phone(bot_app: BotHarness) -> None:
    """Four accounts share one family phone: codes that really go to it stop at ten."""
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    family = [f"12345678{n}" for n in range(4)]
    for id_number in family:
        await open_account(bot_app, id_number=id_number, id_type=IdType.CMND)
    for n in range(10):
        await ask_for_code(bot_app, f"p-{n}", family[n % 4], AN_TYPED_PHONE)
    assert len(await bot_app.sms_to(AN_PHONE)) == 10
    stopped = text_of(await ask_for_code(bot_app, "p-10", family[2], AN_TYPED_PHONE))
    assert "quá nhiều yêu cầu mã OTP" in stopped
    assert len(await bot_app.sms_to(AN_PHONE)) == 10


async def test_requests_with_made_up_id_numbers_do_not_lock_the_owner_out(
    bot_app: BotHarness,
) -> None:
    """Her phone number alone used to block her reset for a day: every request that
    named it counted, whatever the ID number."""
    await open_account(bot_app)
    for n in range(12):  # strangers: her phone, made-up CMND numbers
        screen = text_of(await ask_for_code(bot_app, f"x-{n}", f"10000000{n % 10}", AN_TYPED_PHONE))
        assert "Nếu số giấy tờ" in screen  # the same reply as ever
    assert await bot_app.sms_to(AN_PHONE) == []

    owner = text_of(await ask_for_code(bot_app, "owner", AN_ID, AN_TYPED_PHONE))
    assert "Nếu số giấy tờ" in owner
    assert len(await bot_app.sms_to(AN_PHONE)) == 1
    await bot_app.say("owner", await bot_app.last_code(AN_PHONE))
    assert bot_app.last["owner"].step == "forgot.password"


async def test_requests_with_made_up_id_numbers_do_not_block_her_registration_code(
    bot_app: BotHarness,
) -> None:
    for n in range(12):
        await ask_for_code(bot_app, f"x-{n}", f"10000000{n % 10}", AN_TYPED_PHONE)
    await fill_mobile_details(bot_app, "an")
    screen = text_of(await bot_app.pick("an", "Xác nhận"))
    assert "Mã OTP đã được gửi" in screen
    assert len(await bot_app.sms_to(AN_PHONE)) == 1


async def test_one_caller_gets_five_requests_an_hour_whatever_the_numbers(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    for n in range(5):
        await bot_app.send("scanner", action=Action.HOME)
        screen = text_of(await ask_for_code(bot_app, "scanner", f"10000000{n}", f"090312345{n}"))
        assert "Nếu số giấy tờ" in screen
    await bot_app.send("scanner", action=Action.HOME)
    stopped = text_of(await ask_for_code(bot_app, "scanner", "100000009", "0903123459"))
    assert "quá nhiều yêu cầu mã OTP" in stopped and "11:00" in stopped


async def test_forgot_password_is_offered_on_the_other_ways_screen(bot_app: BotHarness) -> None:
    ways = await bot_app.say("u", option(await bot_app.say("u"), "Cách khác"))
    forgot = await bot_app.say("u", option(ways, "Quên mật khẩu"))
    assert "Lấy lại mật khẩu" in text_of(forgot)


async def test_a_cccd_from_a_registration_is_never_offered_as_a_tax_code(
    bot_app: BotHarness,
) -> None:
    """Duplicate screen -> "Quên mật khẩu" -> business: the CCCD typed for the
    registration must not come back as "keep" at the tax code."""
    await register_by_mobile(bot_app, "owner")
    await fill_mobile_details(bot_app, "mix")
    duplicate = await bot_app.pick("mix", "Xác nhận")
    await bot_app.say("mix", option(duplicate, "Quên mật khẩu"))
    tax = text_of(await bot_app.pick("mix", "Doanh nghiệp"))
    assert bot_app.last["mix"].step == "forgot.tax_code"
    assert "001*******45" not in tax and "Giữ nguyên" not in tax


async def test_a_sim_account_holder_at_the_duplicate_is_told_by_sms_to_sign_in_with_the_sim(
    bot_app: BotHarness,
) -> None:
    """Registered by signing SIM, trying again, told "already registered", choosing
    "Quên mật khẩu": the screen is everybody's; the SMS to the SIM says what is true."""
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    await choose(bot_app, "an", "check")
    await bot_app.pick("an", "Bỏ qua")  # no email
    await choose(bot_app, "an", "register")
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    duplicate = await choose(bot_app, "an", "check")
    await bot_app.say("an", option(duplicate, "Quên mật khẩu"))
    await bot_app.pick("an", "Công dân")
    await bot_app.say("an", AN_ID)
    signer = await bot_app.say("an", AN_TYPED_PHONE)
    nobody = await ask_for_code(bot_app, "nobody", "048168001122", AN_TYPED_PHONE)
    assert signer == nobody  # nothing on the screen tells the two apart

    # both leave after their replies, each after a random pause: in either order
    registered, sms = sorted(await bot_app.sms_to(AN_PHONE), key=lambda t: "muc xac minh" not in t)
    assert "muc xac minh 3" in registered
    assert "dang nhap bang chu ky so" in sms and "18001096" in sms
    assert not re.search(r"\b\d{6}\b", sms)  # no code: there is no password to reset
    otp_step = text_of(signer)
    assert "Về màn hình đầu" in otp_step  # and a way out of a code that never comes
    account = await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID)
    assert account is not None and account.password_hash is None


async def test_a_civil_servant_who_forgot_the_password_is_told_the_token_is_the_way_in(
    bot_app: BotHarness,
) -> None:
    kinds = await bot_app.say("cb", option(await bot_app.say("cb"), "Quên mật khẩu"))
    answer = text_of(await bot_app.say("cb", option(kinds, "Cơ quan nhà nước")))
    assert "đăng nhập bằng chính USB ký số" in answer and "18001096" in answer
    assert "Về màn hình đầu" in answer and not bot_app.last["cb"].end
    assert await bot_app.sms_to(AN_PHONE) == []


async def test_a_civil_servant_on_a_feature_phone_reads_it_on_one_screen_with_the_way_on(
    bot_app: BotHarness,
) -> None:
    """On USSD the answer was three pages, cut mid-sentence, its last page with no option."""
    phone = Handset(bot_app.client, "+84987000777")
    kinds = await phone.press(option(await phone.dial(), "Quen mat khau"))
    answer = await phone.press(option(kinds, "Co quan nha nuoc"))
    assert "USB ky so Ban Co yeu" in answer and "khong co mat khau" in answer
    assert "99" not in answer.split() and len(answer) <= 182, answer
    assert "Cach khac / ho tro" in answer and "Man hinh dau" in answer


async def test_cancelling_a_password_reset_does_not_say_a_registration_was_cancelled(
    bot_app: BotHarness,
) -> None:
    from bot.engine.messages import Action

    await ask_for_code(bot_app, "an", AN_ID, AN_TYPED_PHONE)
    cancelled = text_of(await bot_app.say("an", action=Action.CANCEL))
    assert cancelled.startswith("Đã hủy.") and "đăng ký" not in cancelled


async def test_a_new_code_after_five_mismatched_confirmations_gives_new_tries(
    bot_app: BotHarness,
) -> None:
    """The stop screen says: start again with a new code, or pick another way."""
    await open_account(bot_app)
    await ask_for_code(bot_app, "an", AN_ID, AN_TYPED_PHONE)
    await bot_app.say("an", await bot_app.last_code(AN_PHONE))
    for _ in range(5):
        await bot_app.say("an", NEW)
        stopped = text_of(await bot_app.say("an", NEW + "x"))
    assert "lượt đặt lại mật khẩu này dừng tại đây" in stopped  # a reset, not a registration
    # ... and so is the way on: the reset again, not "Đăng ký lại" (she has an account)
    assert "Đăng ký lại" not in stopped and "Lấy lại mật khẩu từ đầu" in stopped
    kinds = text_of(await bot_app.pick("an", "Lấy lại mật khẩu từ đầu"))
    assert "Tài khoản cần lấy lại mật khẩu là của" in kinds
    await bot_app.pick("an", "Công dân")
    await bot_app.say("an", AN_ID)
    await bot_app.say("an", AN_TYPED_PHONE)
    await bot_app.say("an", await bot_app.last_code(AN_PHONE))
    await bot_app.say("an", NEW)
    await bot_app.say("an", NEW)
    assert HASHER.verify(await password_of(bot_app, AccountKind.CITIZEN, AN_ID), NEW)


async def test_a_reset_the_phones_hourly_codes_stop_says_so_and_spends_nothing(
    bot_app: BotHarness,
) -> None:
    """Only codes that really go count: against the phone's ten a day, and against the
    identity's three requests an hour (a fourth is still told about the phone)."""
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    for attempt in range(10):  # An's own registration attempts use the hour's codes
        await fill_mobile_details(bot_app, f"reg-{attempt}")
        await bot_app.pick(f"reg-{attempt}", "Xác nhận")
        await bot_app.say(f"reg-{attempt}", action=Action.CANCEL)
    assert len(await bot_app.sms_to(AN_PHONE)) == 10
    await open_account(bot_app)
    phone_limit = "Số điện thoại này đã nhận quá nhiều mã OTP trong một giờ. Thử lại sau"
    for n in range(4):
        screen = text_of(await ask_for_code(bot_app, f"f-{n}", AN_ID, AN_TYPED_PHONE))
        assert phone_limit in screen and "đã gửi" not in screen, screen
    unknown = text_of(await ask_for_code(bot_app, "x", "079185004321", AN_TYPED_PHONE))
    assert unknown == screen  # the same answer when no account matches
    assert len(await bot_app.sms_to(AN_PHONE)) == 10


async def test_a_resend_looks_the_account_up_whether_or_not_one_matched(
    bot_app: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looking up only when nothing matched made those resends measurably slower (a
    database round trip), and resends that come too soon cost nothing to repeat."""
    await open_account(bot_app)
    await ask_for_code(bot_app, "owner", AN_ID, AN_TYPED_PHONE)
    await ask_for_code(bot_app, "stranger", "079185004321", AN_TYPED_PHONE)
    lookups: list[str] = []
    find = type(bot_app.accounts).find

    async def counted(self: object, kind: AccountKind, id_number: str) -> object:
        lookups.append(id_number)
        return await find(self, kind, id_number)  # type: ignore[arg-type]

    monkeypatch.setattr(type(bot_app.accounts), "find", counted)
    resend = option(bot_app.screen(bot_app.last["owner"]), "Gửi lại")
    owner = await bot_app.send("owner", resend)
    stranger = await bot_app.send("stranger", resend)
    assert lookups == [AN_ID, "079185004321"]
    assert bot_app.screen(owner) == bot_app.screen(stranger)
