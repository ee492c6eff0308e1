"""Zalo cannot take a message's buttons away: each button carries the screen it was sent
with, and a tap on a button of an earlier message is refused with the notice Telegram
gives, changing nothing - a double-tapped "Quay lại" goes back one step, not two."""

from __future__ import annotations

from typing import Any

from bot.channels.zalo.messages import read_tap
from bot.web.app import RUNTIME
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    ZaloWorld,
    button_payload,
    payloads,
    text_of,
    zalo_fixture,
)

STALE = "Nút này thuộc một màn hình trước. Vui lòng dùng tin nhắn mới nhất."


async def to_id_number_step(zalo: ZaloWorld, user: str) -> list[dict[str, Any]]:
    await zalo.event(user, "follow")
    await zalo.pick(user, "Công dân")
    await zalo.tap(user, "mobile")
    await zalo.say(user, "Nguyễn Văn An")
    return await zalo.say(user, "17/05/1990")  # -> the CCCD number


async def step_of(zalo: ZaloWorld, user: str) -> str:
    async with zalo.bot.engine.conversation("zalo", user) as convo:
        return convo.step


async def test_a_double_tapped_back_button_goes_back_one_step_and_the_second_is_refused(
    zalo: ZaloWorld,
):
    id_step = await to_id_number_step(zalo, "an")
    assert "CCCD" in text_of(id_step)
    back = button_payload(id_step, "nav:back")
    assert read_tap(back) is not None  # the screen travels with the button
    before = len(await zalo.inbox("an"))
    await zalo.deliver("an", {"tap": back})
    await zalo.deliver("an", {"tap": back})  # the same button, tapped again at once
    await zalo.settle()
    first, second = (await zalo.inbox("an"))[before:]
    assert "ngày sinh" in first["text"].lower()  # one step back: the date of birth
    assert second["text"] == STALE and second["buttons"] == []
    assert (await step_of(zalo, "an")).endswith("birth_date")
    assert "CCCD" in text_of(await zalo.say("an", "17/05/1990"))  # the newest screen works


async def test_an_option_button_of_an_earlier_message_changes_nothing(zalo: ZaloWorld):
    await zalo.event("binh", "follow")
    methods = await zalo.say("binh", "1")  # citizen -> the methods (a numbered list)
    help_then = button_payload(methods, "nav:help")
    await zalo.tap("binh", "mobile")
    at = await step_of(zalo, "binh")
    stale = await zalo.deliver("binh", {"tap": help_then})
    assert stale["status"] == 200  # acknowledged like any event
    await zalo.settle()
    assert text_of((await zalo.inbox("binh"))[-1:]) == STALE
    assert await step_of(zalo, "binh") == at
    assert payloads((await zalo.inbox("binh"))[-2:-1]) == ["nav:back", "nav:help", "nav:cancel"]


async def test_an_old_button_without_its_screen_is_refused_like_an_earlier_ones(zalo: ZaloWorld):
    """A button sent before payloads carried their screen sends `nav:back` alone."""
    await to_id_number_step(zalo, "cuong")
    await zalo.deliver("cuong", {"tap": "nav:back"})
    await zalo.settle()
    assert text_of((await zalo.inbox("cuong"))[-1:]) == STALE
    assert (await step_of(zalo, "cuong")).endswith("id_number")


async def test_a_button_tapped_after_the_conversation_expired_starts_it_again(zalo: ZaloWorld):
    """No newest screen on record to compare with: the tap is taken, as on Telegram."""
    id_step = await to_id_number_step(zalo, "dung")
    person = zalo.bot.engine.session_key("zalo", "dung")
    await zalo.bot.app[RUNTIME].store.delete(person)  # the conversation's TTL has passed
    answer = await zalo.tap("dung", "nav:help")
    assert button_payload(id_step, "nav:help") != "nav:help"
    assert STALE not in text_of(answer) and "Công dân" in text_of(answer)  # the first screen
