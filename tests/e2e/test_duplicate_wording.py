"""The duplicate screen says which number already has an account, as the route checked
it: the number the person typed, the one on their BHXH record, the certificate's ID
number or tax code - never a bare "this number", which reads as the phone number."""

from __future__ import annotations

from tests.e2e.conftest import BotHarness
from tests.e2e.stories import (
    AN_BHXH,
    AN_USSD,
    MST,
    PIN,
    Handset,
    answer_on_phone,
    ask_signature,
    choose,
    confirm_bhxh,
    fill_mobile_details,
    issue_sim,
    option,
    register_by_bhxh,
    register_by_mobile,
    text_of,
)


async def test_a_typed_cccd_that_has_an_account_is_named_in_full_to_the_person(
    bot_app: BotHarness,
) -> None:
    await register_by_mobile(bot_app, "owner")
    await fill_mobile_details(bot_app, "again")
    duplicate = text_of(await bot_app.pick("again", "Xác nhận"))
    assert "Số định danh cá nhân/CCCD (hoặc CMND) 001090012345 bạn nhập đã được dùng" in duplicate
    assert bot_app.last["again"].step == "common.duplicate"


async def test_the_bhxh_route_says_it_was_the_number_on_the_bhxh_record(
    bot_app: BotHarness,
) -> None:
    await register_by_bhxh(bot_app, "an", AN_BHXH, "+84912345678")
    duplicate = text_of(await confirm_bhxh(bot_app, "again", AN_BHXH))
    assert "trong hồ sơ BHXH của bạn đã được dùng" in duplicate
    assert "001090012345" not in duplicate  # the record's number is not shown


async def test_a_business_signing_twice_is_told_its_certificate_s_tax_code_has_an_account(
    bot_app: BotHarness,
) -> None:
    await issue_sim(bot_app, tax_code=MST, full_name="Công ty TNHH Hoa Sen")
    for user in ("first", "second"):
        await ask_signature(bot_app, user, kind="business")
        await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
        shown = text_of(await choose(bot_app, user, "check"))
        if user == "first":
            await bot_app.say(user, "ketoan@hoasen.vn")
            await choose(bot_app, user, "register")
    assert "Mã số thuế 0100109106 trong chứng thư số của doanh nghiệp đã được dùng" in shown


async def test_on_ussd_the_duplicate_names_the_id_number_not_just_this_number(
    bot_app: BotHarness,
) -> None:
    await register_by_mobile(bot_app, "owner")
    phone = Handset(bot_app.client, AN_USSD["phone"])
    first = await phone.dial()
    await phone.press(option(first, "Cong dan"))
    await phone.press(option(phone.screens[-1], "Thue bao di dong"))
    for typed in (AN_USSD["name"], AN_USSD["born"], AN_USSD["id"]):
        await phone.press(typed)
    await phone.press(option(phone.screens[-1], "Dung so"))
    summary = await phone.press(option(phone.screens[-1], "Bo qua"))
    duplicate = await phone.press(option(summary, "Xac nhan"))
    assert "So dinh danh 001090012345 da co tai khoan" in duplicate
    assert "1 Quen mat khau" in duplicate and "99" not in duplicate  # all on one screen
