"""Stories of the first screens as a first-time citizen, business or civil servant reads
them, through the fakes: every route the guide names is there, in the words of the guide
and of today's identity cards."""

from __future__ import annotations

from bot.engine.messages import Action
from tests.support.fakes import fake_world


async def test_a_citizen_can_choose_vietnam_post_and_is_told_what_to_bring():
    world = fake_world()
    await world.say("hoa")
    methods = await world.pick("hoa", "Công dân")
    assert "Bưu điện Việt Nam" in methods
    info = await world.pick("hoa", "Bưu điện Việt Nam")
    assert (
        "thẻ căn cước/CCCD" in info
        and "đăng ký tài khoản Cổng Dịch vụ công quốc gia cho bạn" in info
    )
    assert "mật khẩu" not in info  # the guide does not say a post office resets passwords
    assert "Cách khác / hỗ trợ" in info and "Về màn hình đầu" in info  # no dead end
    first = await world.pick("hoa", "Về màn hình đầu")
    assert world.step("hoa") == "start.who" and "Công dân" in first


async def test_businesses_and_civil_servants_are_not_offered_vietnam_post():
    world = fake_world()
    await world.say("biz")
    assert "Bưu điện" not in await world.pick("biz", "Doanh nghiệp")
    await world.say("cb", action=Action.HOME)
    assert "Bưu điện" not in await world.pick("cb", "Cơ quan nhà nước")


async def test_an_english_speaker_is_offered_civil_servant_not_government_agency():
    world = fake_world()
    await world.say("en")
    first = await world.say("en", "en", Action.LANGUAGE)
    assert "Civil servant" in first and "Government agency" not in first
    help_screen = await world.say("en", "", Action.HELP)
    assert '"Civil servant"' in help_screen and "Government agency" not in help_screen


async def test_the_id_number_is_asked_by_the_name_on_the_new_identity_cards():
    world = fake_world()
    await world.say("an")
    await world.pick("an", "Công dân")
    await world.pick("an", "Thuê bao di động")
    await world.say("an", "Nguyen Van An")
    asked = await world.say("an", "17/05/1990")
    assert "số định danh cá nhân/CCCD (12 chữ số) hoặc số CMND" in asked
