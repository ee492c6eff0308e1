"""The duplicate screen says which number already has an account, as the route checked
it: the number the person typed, the one on their BHXH record, the certificate's ID
number or tax code - never a bare "this number", which reads as the phone number."""

from __future__ import annotations

from tests.e2e import test_bhxh_registration as bhxh
from tests.e2e import test_mobile_registration as mobile
from tests.e2e import test_sim_registration as sim
from tests.e2e.conftest import BotHarness
from tests.e2e.test_ussd_mobile_registration import AN, Handset, option


def text_of(screen: list[str]) -> str:
    return "\n".join(screen)


async def test_a_typed_cccd_that_has_an_account_is_named_in_full_to_the_person(
    bot_app: BotHarness,
) -> None:
    await mobile.register(bot_app, "owner")
    await mobile.fill_details(bot_app, "again")
    duplicate = text_of(await bot_app.say("again", "1"))
    assert "Số định danh cá nhân/CCCD (hoặc CMND) 001090012345 bạn nhập đã được dùng" in duplicate
    assert bot_app.last["again"].step == "common.duplicate"


async def test_the_bhxh_route_says_it_was_the_number_on_the_bhxh_record(
    bot_app: BotHarness,
) -> None:
    await bhxh.register(bot_app, "an", bhxh.AN, "+84912345678")
    duplicate = text_of(await bhxh.confirm(bot_app, "again", bhxh.AN))
    assert "trong hồ sơ BHXH của bạn đã được dùng" in duplicate
    assert "001090012345" not in duplicate  # the record's number is not shown


async def test_a_business_signing_twice_is_told_its_certificate_s_tax_code_has_an_account(
    bot_app: BotHarness,
) -> None:
    await sim.issue_sim(bot_app, tax_code=sim.MST, full_name="Công ty TNHH Hoa Sen")
    for user in ("first", "second"):
        await sim.ask_signature(bot_app, user, kind="business")
        await sim.answer_on_phone(bot_app, {"action": "approve", "pin": sim.PIN})
        shown = text_of(await sim.choose(bot_app, user, "check"))
        if user == "first":
            await bot_app.say(user, "ketoan@hoasen.vn")
            await sim.choose(bot_app, user, "register")
    assert "Mã số thuế 0100109106 trong chứng thư số của doanh nghiệp đã được dùng" in shown


async def test_on_ussd_the_duplicate_names_the_id_number_not_just_this_number(
    bot_app: BotHarness,
) -> None:
    await mobile.register(bot_app, "owner")
    phone = Handset(bot_app.client, AN["phone"])
    first = await phone.dial()
    await phone.press(option(first, "Cong dan"))
    await phone.press(option(phone.screens[-1], "Thue bao di dong"))
    for typed in (AN["name"], AN["born"], AN["id"]):
        await phone.press(typed)
    await phone.press(option(phone.screens[-1], "Dung so"))
    summary = await phone.press(option(phone.screens[-1], "Bo qua"))
    duplicate = await phone.press(option(summary, "Xac nhan"))
    assert "So dinh danh 001090012345 ban nhap da co tai khoan" in duplicate
    assert "1 Quen mat khau" in duplicate and "99" not in duplicate  # all on one screen
