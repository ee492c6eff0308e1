"""Stories of registration by mobile subscriber (guide §1.1), through the engine with the
real app, its simulators over HTTP and the SQLite accounts database."""

from __future__ import annotations

import asyncio

from bot.accounts.model import AccountKind
from bot.engine.messages import Action
from tests.e2e.conftest import subscriber
from tests.e2e.stories import AN, AN_PHONE, fill_mobile_details, register_by_mobile


async def test_citizen_registers_by_mobile_subscriber_and_gets_a_level_2_account(bot_app):
    summary = await fill_mobile_details(bot_app, "an")
    text = "\n".join(summary)
    assert "Nguyen Van An" in text and "17/05/1990" in text
    assert "001090012345" in text  # the person's own ID, in full, to spot a typo
    assert "0912345678" in text

    otp_screen = "\n".join(await bot_app.pick("an", "Xác nhận"))
    assert "09*****678" in otp_screen and "OTP" in otp_screen
    sms = await bot_app.sms_to(AN_PHONE)
    assert len(sms) == 1
    assert "Cong Dich vu cong" in sms[0] and "KHONG chia se" in sms[0]  # names the service, warns

    await bot_app.say("an", await bot_app.last_code(AN_PHONE))
    await bot_app.say("an", "Hoa-Sen#2024")
    done = "\n".join(await bot_app.say("an", "Hoa-Sen#2024"))
    assert "Đăng ký thành công" in done and "mức xác minh 2" in done

    account = await bot_app.accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None
    assert (account.verification_level, account.method, account.phone) == (2, "mobile", AN_PHONE)
    assert account.password_hash and account.password_hash.startswith("$argon2id$")


async def test_registration_in_english_from_the_first_screen(bot_app):
    first = await bot_app.say("en-user", lang="en")
    assert first[0].startswith("Welcome")
    done = await register_by_mobile(bot_app, "en-user")
    assert "Registration complete" in "\n".join(done)


async def test_switching_language_on_the_first_screen(bot_app):
    screen = await bot_app.say("lang")
    switch = next(line for line in screen if line.endswith("English"))
    english = await bot_app.say("lang", switch.split(".")[0])
    assert english[0].startswith("Welcome")


async def test_a_second_registration_with_the_same_cccd_gets_the_duplicate_message(bot_app):
    await register_by_mobile(bot_app, "an")
    await fill_mobile_details(bot_app, "someone-else")
    text = "\n".join(await bot_app.pick("someone-else", "Xác nhận"))
    assert "đã được dùng để đăng ký" in text
    assert "Quên mật khẩu" in text and "quầy giao dịch" in text and "khiếu nại" in text
    assert "Nguyen Van An" not in text and "0912" not in text  # never whose account it is


async def test_number_not_registered_to_its_owner_is_refused_with_what_to_check(bot_app):
    binh = {
        "name": "Trần Thị Bình",
        "dob": "02/11/1985",
        "id": "079185004321",
        "phone": "0987654321",
    }
    await fill_mobile_details(bot_app, "binh", binh)
    text = "\n".join(await bot_app.pick("binh", "Xác nhận"))
    assert "chưa xác nhận được số điện thoại này là thuê bao chính chủ" in text
    assert "cửa hàng của nhà mạng" in text  # where to go when it is not in her name
    assert await bot_app.sms_to("+84987654321") == []


async def test_details_that_do_not_match_the_subscriber_are_refused_without_revealing_the_owner(
    bot_app,
):
    minh = {
        "name": "Lê Hoàng Minh",
        "dob": "09/03/2001",
        "id": "048201007788",
        "phone": "0381234567",
    }
    await fill_mobile_details(bot_app, "minh", minh)
    text = "\n".join(await bot_app.pick("minh", "Xác nhận"))
    assert "họ tên, ngày sinh và số CCCD/CMND" in text  # what to check
    assert "Phạm Thị Hoa" not in text and "048168001122" not in text
    assert await bot_app.sms_to("+84381234567") == []


async def test_name_typed_without_diacritics_or_in_capitals_matches_the_carrier(bot_app):
    person = dict(AN, name="NGUYEN   van an")
    await fill_mobile_details(bot_app, "caps", person)
    text = "\n".join(await bot_app.pick("caps", "Xác nhận"))
    assert "Mã OTP đã được gửi" in text


async def test_bad_input_is_explained_and_the_step_stays(bot_app):
    await bot_app.say("typo")
    await bot_app.pick("typo", "Công dân")
    await bot_app.pick("typo", "Thuê bao di động")
    refused = "\n".join(await bot_app.say("typo", "Nguyen Van An 😀"))
    assert "họ và tên" in refused.lower() or "họ tên" in refused.lower()
    assert bot_app.last["typo"].step == "mobile.full_name"
    await bot_app.say("typo", "Nguyen Van An")
    refused = "\n".join(await bot_app.say("typo", "31/02/1990"))
    assert bot_app.last["typo"].step == "mobile.birth_date"
    await bot_app.say("typo", "17/05/1990")
    await bot_app.say("typo", "001095012345")  # CCCD says born 1995
    assert bot_app.last["typo"].step == "mobile.id_number"
    paste = "\n".join(await bot_app.say("typo", "9" * 10_000))
    assert "quá dài" in paste and bot_app.last["typo"].step == "mobile.id_number"


async def test_going_back_keeps_what_was_typed(bot_app):
    await fill_mobile_details(bot_app, "back")
    await bot_app.say("back", action=Action.BACK)  # to email
    await bot_app.say("back", action=Action.BACK)  # to phone
    phone = await bot_app.say("back", action=Action.BACK)  # to the ID number
    assert bot_app.last["back"].step == "mobile.id_number"
    assert any("Giữ nguyên: 001090012345" in line for line in phone)
    await bot_app.pick("back", "Giữ nguyên")  # keep the ID
    keep_phone = await bot_app.pick("back", "Giữ nguyên")  # keep the phone
    assert bot_app.last["back"].step == "mobile.email", keep_phone


async def test_help_explains_the_step_and_cancel_deletes_the_dialog(bot_app):
    await fill_mobile_details(bot_app, "help")
    helped = "\n".join(await bot_app.say("help", action=Action.HELP))
    assert "nhà mạng" in helped and bot_app.last["help"].step == "mobile.summary"
    cancelled = "\n".join(await bot_app.say("help", action=Action.CANCEL))
    assert "đã được xóa" in cancelled and bot_app.last["help"].end
    # any message starts anew: the dialog is gone, there is no menu to pick from
    fresh = await bot_app.say("help", "1")
    assert bot_app.last["help"].step == "start.who", fresh


async def test_passwords_must_follow_the_guide_and_match(bot_app):
    await fill_mobile_details(bot_app, "pw")
    await bot_app.pick("pw", "Xác nhận")
    await bot_app.say("pw", await bot_app.last_code(AN_PHONE))
    weak = "\n".join(await bot_app.say("pw", "password"))
    assert bot_app.last["pw"].step == "mobile.password" and bot_app.last["pw"].sensitive
    assert "chữ in hoa" in weak
    await bot_app.say("pw", "Hoa-Sen#2024")
    mismatch = "\n".join(await bot_app.say("pw", "Hoa-Sen#2025"))
    assert "không khớp" in mismatch and bot_app.last["pw"].step == "mobile.password"
    await bot_app.say("pw", "Hoa-Sen#2024")
    await bot_app.say("pw", "Hoa-Sen#2024")
    assert await bot_app.accounts.exists(AccountKind.CITIZEN, "001090012345")


async def test_two_people_registering_the_same_cccd_at_once_get_one_account(bot_app):
    for user in ("first", "second"):
        await fill_mobile_details(bot_app, user)
    await bot_app.pick("first", "Xác nhận")
    first_code = await bot_app.last_code(AN_PHONE)
    await bot_app.pick("second", "Xác nhận")
    second_code = await bot_app.last_code(AN_PHONE)
    await bot_app.say("first", first_code)
    await bot_app.say("second", second_code)
    for user in ("first", "second"):
        await bot_app.say(user, "Hoa-Sen#2024")
    replies = await asyncio.gather(
        bot_app.say("first", "Hoa-Sen#2024"), bot_app.say("second", "Hoa-Sen#2024")
    )
    joined = ["\n".join(r) for r in replies]
    assert sum("Đăng ký thành công" in r for r in joined) == 1
    assert sum("đã được dùng để đăng ký" in r for r in joined) == 1


async def test_a_password_typed_with_decomposed_accents_can_be_confirmed(bot_app):
    """Unikey's "Unicode tổ hợp" sends e + combining marks; the same password either way."""
    import unicodedata

    await fill_mobile_details(bot_app, "nfd")
    await bot_app.pick("nfd", "Xác nhận")
    await bot_app.say("nfd", await bot_app.last_code(AN_PHONE))
    await bot_app.say("nfd", unicodedata.normalize("NFD", "Hoa-Sen#Việt2024"))
    done = "\n".join(await bot_app.say("nfd", unicodedata.normalize("NFD", "Hoa-Sen#Việt2024")))
    assert "Đăng ký thành công" in done


async def test_a_changed_birth_date_that_no_longer_fits_the_cccd_asks_for_it_again(bot_app):
    await fill_mobile_details(bot_app, "dob")
    for _ in range(4):  # summary -> email -> phone -> id -> birth date
        await bot_app.say("dob", action=Action.BACK)
    assert bot_app.last["dob"].step == "mobile.birth_date"
    screen = "\n".join(await bot_app.say("dob", "17/05/1991"))
    assert bot_app.last["dob"].step == "mobile.id_number"
    assert "1990" in screen and "Giữ nguyên" not in screen  # the CCCD says 1990


async def test_sending_nothing_at_the_optional_email_skips_it(bot_app):
    await bot_app.say("skip")
    await bot_app.pick("skip", "Công dân")
    await bot_app.pick("skip", "Thuê bao di động")
    for typed in ("Nguyen Van An", "17/05/1990", "001090012345", "0912 345 678"):
        await bot_app.say("skip", typed)
    summary = "\n".join(await bot_app.say("skip", ""))
    assert bot_app.last["skip"].step == "mobile.summary" and "Email: (không có)" in summary


async def test_a_citizen_with_an_old_cmnd_is_told_to_sign_in_with_his_cmnd(bot_app):
    # the guide checks "CMT hoặc CCCD": a 9-digit CMND is not a CCCD, and the screen that
    # says how to sign in must not call it one
    owner = subscriber("+84912000222", "012345678", "Pham Van Cuong", "1975-04-30")
    assert await bot_app.sim_post("/sim/carrier/subscribers", owner) == 201
    cuong = {"name": "Pham Van Cuong", "dob": "30/04/1975", "id": "012345678"}
    summary = await fill_mobile_details(bot_app, "cuong", {**cuong, "phone": "0912000222"})
    assert "CMND: 012345678" in "\n".join(summary)
    await bot_app.pick("cuong", "Xác nhận")
    await bot_app.say("cuong", await bot_app.last_code("+84912000222"))
    await bot_app.say("cuong", "Cuong@Sen1975")
    done = "\n".join(await bot_app.say("cuong", "Cuong@Sen1975"))
    assert "bằng số CMND 012345678" in done and "CCCD 012345678" not in done
    assert await bot_app.accounts.exists(AccountKind.CITIZEN, "012345678")
