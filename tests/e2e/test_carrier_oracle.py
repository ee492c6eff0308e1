"""The carrier check of registration by mobile subscriber cannot be used to learn who owns
a phone: one reply for every failure, and a stranger's guesses run out quickly."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.messages import Action
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import AN, AN_PHONE, fill_mobile_details

# 03:00 UTC is 10:00 in Vietnam.
FIXED_NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
UNKNOWN = {"name": "Ho Van Vo", "dob": "01/01/1991", "id": "001091000001", "phone": "0399999999"}
NOT_IN_OWNERS_NAME = {  # Bình's number is not registered to its owner
    "name": "Trần Thị Bình",
    "dob": "02/11/1985",
    "id": "079185004321",
    "phone": "0987654321",
}
SOMEONE_ELSES = {**AN, "dob": "18/05/1990"}  # An's number, a wrong birth date


def text_of(screen: list[str]) -> str:
    return "\n".join(screen)


async def confirm(bot: BotHarness, user: str, person: dict[str, str]) -> str:
    """From the first screen (whatever came before) to "confirm" on the summary."""
    await bot.send(user, action=Action.HOME)
    await fill_mobile_details(bot, user, person)
    return text_of(await bot.pick(user, "Xác nhận"))


async def test_unknown_unregistered_and_mismatched_numbers_get_one_reply(
    bot_app: BotHarness,
) -> None:
    unknown = await confirm(bot_app, "a", UNKNOWN)
    unregistered = await confirm(bot_app, "b", NOT_IN_OWNERS_NAME)
    mismatched = await confirm(bot_app, "c", SOMEONE_ELSES)
    assert unknown == unregistered == mismatched
    # still helpful: what to check, where to go, what else to do
    assert "họ tên, ngày sinh và số CCCD/CMND" in unknown and "cửa hàng của nhà mạng" in unknown
    assert "phương thức" in unknown and "còn 2 lần thử" in unknown


async def test_a_stranger_guessing_a_birth_date_is_stopped_after_three_tries_and_the_owner_is_not(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    screens = []
    for day in range(1, 13):  # one caller: twelve birth dates in a row, the right one last
        guess = {**AN, "dob": f"{day:02d}/05/1990"} if day < 12 else AN
        screens.append(await confirm(bot_app, "guesser", guess))
    assert "còn 0 lần thử" in screens[2]
    assert all("quá nhiều lần kiểm tra" in s and "11:00" in s for s in screens[3:])
    assert await bot_app.sms_to(AN_PHONE) == []  # the right birth date, tried 12th: refused

    owner = await confirm(bot_app, "an", AN)  # the owner, on her own phone
    assert "Mã OTP đã được gửi" in owner
    assert len(await bot_app.sms_to(AN_PHONE)) == 1


async def test_many_strangers_together_get_ten_checks_of_one_number_an_hour(
    bot_app: BotHarness,
) -> None:
    bot_app.app[RUNTIME].engine.clock = lambda: FIXED_NOW
    replies = [
        await confirm(bot_app, f"stranger-{n}", {**AN, "dob": f"{n + 1:02d}/06/1990"})
        for n in range(12)
    ]
    assert sum("chưa xác nhận được" in reply for reply in replies) == 10
    assert all("quá nhiều lần kiểm tra" in reply for reply in replies[10:])
