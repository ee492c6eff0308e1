"""Stories of the help ("?", "98") on the screen where a business or a civil servant
picks a registration method: it tells them of their own methods only (the guide: mobile
subscriber, social insurance and Vietnam Post are for citizens; officials use the
Government CA token)."""

from __future__ import annotations

from bot.engine.messages import Action
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import Handset, choose, text_of


async def test_a_business_asking_for_help_is_told_only_of_the_signature_methods(
    bot_app: BotHarness,
) -> None:
    await bot_app.send("hoasen")
    methods = text_of(await choose(bot_app, "hoasen", "business"))
    assert "Thuê bao di động" not in methods  # not offered to a business...
    helped = text_of(await bot_app.say("hoasen", action=Action.HELP))  # "?" on a chat
    # ... and the help does not offer it either, nor level 2
    assert "Sim ký số" in helped and "USB ký số" in helped and "mã số thuế" in helped
    assert "mức 2" not in helped and "email của doanh nghiệp là bắt buộc" in helped
    assert "chỉ dành cho công dân" in helped


async def test_a_civil_servant_on_a_feature_phone_asking_for_help_hears_of_her_token(
    bot_app: BotHarness,
) -> None:
    phone = Handset(bot_app.client, "+84987000888")
    await phone.dial()
    await phone.press("3")  # Co quan nha nuoc
    helped = await phone.press("98")
    assert "Ban Co yeu Chinh phu" in helped
    assert "Sim ky so" not in helped and "muc 2" not in helped, helped
