"""Stories of the confirmation summary: the person sees their own details in full (to
spot the typo the carrier refused), records see them masked, and "Sửa thông tin" asks
which detail to change and comes back to the summary. Through the fakes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.engine.messages import Reply
from bot.i18n import Audience
from tests.support.fakes import AN_ID, AN_PHONE, FakeWorld, at_summary, fake_world

TYPO = "001090012354"  # the last two digits swapped


@pytest.fixture
def world() -> FakeWorld:
    world = fake_world()
    world.carrier.add(AN_PHONE, AN_ID, "Nguyễn Văn An", dt.date(1990, 5, 17))
    return world


async def test_after_a_carrier_mismatch_the_person_sees_the_typo_and_fixes_that_field_alone(
    world: FakeWorld,
):
    await world.say("an")
    await world.pick("an", "Công dân")
    await world.pick("an", "Thuê bao di động")
    for typed in ("Nguyen Van An", "17/05/1990", TYPO, "0912 345 678", "an@example.vn"):
        summary = await world.say("an", typed)
    assert TYPO in summary and "0912345678" in summary and "an@example.vn" in summary
    refused = await world.pick("an", "Xác nhận")
    assert "chưa xác nhận" in refused

    which = await world.pick("an", "Sửa thông tin")
    assert world.step("an") == "mobile.edit" and "sửa thông tin nào" in which
    asked = await world.pick("an", "Số định danh cá nhân/CCCD")
    assert f"Giữ nguyên: {TYPO}" in asked  # what was typed, in full, to the one who typed it
    again = await world.say("an", AN_ID)
    assert world.step("an") == "mobile.summary"  # straight back: nothing else asked again
    assert AN_ID in again and "Nguyen Van An" in again and "an@example.vn" in again
    otp = await world.pick("an", "Xác nhận")
    assert "OTP" in otp and world.sms.to(AN_PHONE)


async def test_the_summary_is_masked_for_the_record(world: FakeWorld):
    await at_summary(world, "an")
    reply = world.last["an"]
    record = render_for_record(world, reply)
    assert AN_ID not in record and "*********345" in record
    assert "0912345678" not in record and "Nguyen Van An" not in record


async def test_a_changed_birth_date_that_no_longer_fits_the_cccd_asks_for_it_again(
    world: FakeWorld,
):
    await at_summary(world, "an")
    await world.pick("an", "Sửa thông tin")
    await world.pick("an", "Ngày sinh")
    asked = await world.say("an", "17/05/1991")  # the CCCD says 1990
    assert world.step("an") == "mobile.edit_id_number" and "1990" in asked
    back = await world.say("an", "001091012345")
    assert world.step("an") == "mobile.summary" and "17/05/1991" in back


async def test_bhxh_edit_changes_one_detail_and_returns_to_the_summary(world: FakeWorld):
    await world.say("huy")
    await world.pick("huy", "Công dân")
    await world.pick("huy", "Bảo hiểm xã hội")
    for typed in ("0123456789", "Do Quang Huy", "30/08/1992", ""):
        await world.say("huy", typed)
    await world.pick("huy", "Sửa thông tin")
    await world.pick("huy", "Họ và tên")
    summary = await world.say("huy", "Đỗ Quang Huy")
    assert world.step("huy") == "bhxh.summary" and "Đỗ Quang Huy" in summary
    assert "0123456789" in summary and "30/08/1992" in summary


async def test_the_edit_menu_can_be_left_without_changing_anything(world: FakeWorld):
    await at_summary(world, "an")
    which = await world.pick("an", "Sửa thông tin")
    assert "Không sửa, xem lại thông tin" in which  # not a menu with no way back
    again = await world.pick("an", "Không sửa, xem lại thông tin")
    assert world.step("an") == "mobile.summary" and AN_ID in again


def render_for_record(world: FakeWorld, reply: Reply) -> str:
    """The texts as a transcript or the agents' console renders them."""
    translator = world.runtime.translator
    return "\n".join(
        translator.render(t, reply.lang, audience=Audience.RECORD) for t in reply.texts
    )
