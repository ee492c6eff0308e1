"""Telegram as a real client behaves: keyboards that were used go away and an old one's
buttons are refused, the phone step offers Telegram's "share my number", a burst of
messages is answered in order, and what is not text gets a polite line. Updates are
posted to `POST /telegram`; the Bot API is the emulator in tests/support."""

from __future__ import annotations

import asyncio
import itertools

from bot.web.console import SUPPORT
from tests.support.telegram_api import (
    button_update,
    contact_update,
    group_update,
    photo_update,
    sticker_update,
    text_update,
)

CHAT = 880001
STALE = "Nút này thuộc một màn hình trước"


async def at_name_step(api, post, chat: int) -> None:
    await post(text_update(chat, "/start"))
    await post(api.press(chat, "citizen"))
    await post(api.press(chat, "mobile"))


async def test_a_used_keyboard_goes_and_an_old_back_pressed_again_does_not_go_back_twice(
    telegram,
):
    api, _, post = telegram
    await post(text_update(CHAT, "/start"))
    first = api.screen(CHAT)
    await post(api.press(CHAT, "citizen"))
    assert api.to(CHAT)[0].buttons == []  # the first screen's keyboard is gone once used
    await post(api.press(CHAT, "mobile"))
    await post(text_update(CHAT, "Nguyen Van An"))
    birth_date = api.screen(CHAT)
    await post(api.press(CHAT, "nav:back"))  # back to the name
    sent = len(api.sent)
    await post(button_update(CHAT, "nav:back", message_id=birth_date.message_id))  # again
    assert api.notices[-1] is not None and STALE in api.notices[-1]
    assert len(api.sent) == sent  # nothing happened in the chat
    await post(button_update(CHAT, "citizen", message_id=first.message_id))  # an older one
    assert STALE in str(api.notices[-1]) and len(api.sent) == sent  # not "you typed nothing"
    await post(text_update(CHAT, "Nguyen Van An"))
    assert "ngày sinh" in api.to(CHAT)[-1].text  # it was still at the name step


async def test_the_phone_step_offers_to_share_the_number_and_takes_the_sender_s_own(
    telegram,
):
    api, _, post = telegram
    chat = CHAT + 1
    await at_name_step(api, post, chat)
    for typed in ("Nguyễn Văn An", "17/05/1990", "001090012345"):
        await post(text_update(chat, typed))
    offer = api.to(chat)[-1]
    assert offer.reply_keyboard[0][0]["request_contact"] is True
    assert "Gửi số điện thoại của tôi" in offer.reply_keyboard[0][0]["text"]

    await post(contact_update(chat, "84987654321", owner=chat + 99))  # someone else's
    assert "người khác" in api.to(chat)[-1].text
    await post(contact_update(chat, "84912345678", owner=chat))  # the sender's own
    email_step = api.screen(chat)
    assert "email" in email_step.text.lower()
    assert any(m.removes_keyboard for m in api.sent if m.chat_id == chat)  # the offer went
    await post(api.press(chat, "skip"))
    assert "0912345678" in api.screen(chat).text  # the summary holds the shared number


async def test_a_contact_shared_where_no_phone_is_asked_changes_nothing(
    telegram,
):
    api, _, post = telegram
    chat = CHAT + 2
    await at_name_step(api, post, chat)
    await post(contact_update(chat, "84912345678", owner=chat))
    assert "không hỏi số điện thoại" in api.to(chat)[-1].text
    await post(text_update(chat, "Nguyen Van An"))
    assert "ngày sinh" in api.to(chat)[-1].text


async def test_a_burst_of_messages_is_answered_in_order_one_reply_at_a_time(
    telegram,
):
    api, _, post = telegram
    chat = CHAT + 3
    api.send_delay = 0.01
    await post(text_update(chat, "/start"))
    burst = [text_update(chat, "/help", message_id=100 + n) for n in range(12)]
    await asyncio.gather(*(post(update) for update in burst))
    replies = api.to(chat)[1:]
    assert len(replies) == 12
    for before, after in itertools.pairwise(replies):
        assert after.started >= before.answered, "a reply left before the previous one"


async def test_stickers_photos_and_groups_get_one_polite_line_and_the_dialog_stays(
    telegram,
):
    api, _, post = telegram
    chat = CHAT + 4
    await at_name_step(api, post, chat)
    for update in (sticker_update(chat), photo_update(chat)):
        await post(update)
        line = api.to(chat)[-1]
        assert "tin nhắn dạng chữ" in line.text and line.buttons == []
    assert api.screen(chat).buttons  # the name step's buttons still work
    await post(text_update(chat, "Nguyen Van An"))
    assert "ngày sinh" in api.to(chat)[-1].text

    await post(group_update(-100123, "/start"))
    [notice] = api.to(-100123)
    assert "nhắn tin riêng" in notice.text


async def test_a_deep_link_start_with_a_payload_and_help_with_words_after_it_are_commands(
    telegram,
):
    """A QR poster's link opens the chat with `/start <payload>`; people write `/help
    something`: neither is an answer to the step."""
    api, _, post = telegram
    chat = CHAT + 5
    await at_name_step(api, post, chat)
    await post(text_update(chat, "/help what name?"))
    helped = api.to(chat)[-1].text
    assert "như trên thẻ căn cước" in helped and "không được có ký tự" not in helped
    await post(text_update(chat, "/start qr-poster-hanoi"))
    assert "Bạn đăng ký tài khoản với tư cách nào?" in api.to(chat)[-1].text


async def test_a_button_press_telegram_delivers_twice_acts_once(telegram):
    api, _, post = telegram
    chat = CHAT + 6
    await post(text_update(chat, "/start"))
    press = api.press(chat, "citizen")
    assert await post(press) == 200
    sent, notices = len(api.sent), len(api.notices)
    assert await post(press) == 200  # Telegram's retry: the same update_id
    assert len(api.sent) == sent and len(api.notices) == notices  # not even "an old button"
    await post(api.press(chat, "mobile"))
    assert "họ và tên" in api.to(chat)[-1].text.lower()


async def test_a_name_with_a_broken_character_is_refused_plainly_and_still_recorded(
    telegram, caplog
):
    """A lone surrogate (`\\udcff` in the update's JSON: half of an emoji a client cut) is a
    symbol like any other: the name is refused with the usual words, the support desk's
    transcript keeps the turn (its encryption met text it could not write), and the
    person goes on from the same step."""
    api, bot, post = telegram
    chat = 880077
    await at_name_step(api, post, chat)
    assert await post(text_update(chat, "Nguy\udcffn Van An")) == 200
    assert "không được có biểu tượng" in api.to(chat)[-1].text
    await bot.app[SUPPORT].desk.settle()
    assert not [r for r in caplog.records if "could not be recorded" in r.getMessage()]
    await post(text_update(chat, "Nguyen Van An"))
    assert "ngày sinh" in api.to(chat)[-1].text
