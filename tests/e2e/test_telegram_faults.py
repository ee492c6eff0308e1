"""Telegram stories of a failing Bot API: a reply that cannot be sent does not undo the
turn that made it (an SMS already went out), and the person's next message is told to try
again and shown where they are. Updates go to `POST /telegram`; the Bot API is the
emulator in tests/support, told to answer sendMessage with a 502."""

from __future__ import annotations

import asyncio

from bot.accounts.model import AccountKind
from tests.e2e.conftest import BotHarness, Post
from tests.e2e.stories import AN_ID, AN_PHONE, PASSWORD
from tests.support.telegram_api import TelegramApi, text_update

CHAT = 880001


async def at_summary(api: TelegramApi, post: Post, chat: int) -> None:
    """An, by mobile subscriber, up to the summary of what he typed."""
    await post(text_update(chat, "/start"))
    await post(api.press(chat, "citizen"))
    await post(api.press(chat, "mobile"))
    for typed in ("Nguyễn Văn An", "17/05/1990", "001090012345", "0912345678"):
        await post(text_update(chat, typed))
    await post(api.press(chat, "skip"))


async def test_a_citizen_whose_code_screen_telegram_lost_is_told_to_try_again_and_one_sms_does(
    telegram: tuple[TelegramApi, BotHarness, Post],
) -> None:
    api, bot, post = telegram
    await at_summary(api, post, CHAT)
    api.send_failures = 1  # Telegram answers 502 to the screen that says the code was sent
    assert await post(api.press(CHAT, "confirm")) == 200
    [sms] = await bot.sms_to(AN_PHONE)  # the code reached his phone; the screen did not
    code = await bot.last_code(AN_PHONE)

    await post(text_update(CHAT, code, message_id=61))  # he types the code he received

    told = api.to(CHAT)[-1].text
    assert "thử lại" in told and "Thông tin bạn đã nhập vẫn được giữ nguyên" in told
    assert "OTP" in told  # the step he is at: the code sent to his phone
    assert (CHAT, 61) not in [(m.chat_id, m.message_id) for m in api.to(CHAT)]  # deleted
    await post(text_update(CHAT, code, message_id=62))
    assert "mật khẩu" in api.to(CHAT)[-1].text.lower()  # the code he got still works
    assert await bot.sms_to(AN_PHONE) == [sms]  # one SMS, no second code


async def test_a_citizen_whose_signature_news_telegram_lost_is_told_to_try_again_where_he_is(
    telegram: tuple[TelegramApi, BotHarness, Post],
) -> None:
    api, bot, post = telegram
    chat = CHAT + 1
    huy = {"phone": "+84903123456", "full_name": "Đỗ Quang Huy", "pin": "1111"}
    assert await bot.sim_post("/sim/mssp/sims", {**huy, "id_number": "031092005566"}) == 201
    await post(text_update(chat, "/start"))
    await post(api.press(chat, "citizen"))
    await post(api.press(chat, "sim"))
    await post(text_update(chat, "0903123456"))
    asked = api.to(chat)[-1].text
    [request] = await (
        await bot.client.get("/sim/mssp/pending", params={"phone": huy["phone"]})
    ).json()
    api.send_failures = 1  # Telegram answers 502 to the news that the signature is valid
    await bot.sim_post(
        f"/sim/mssp/pending/{request['session_id']}", {"action": "approve", "pin": "1111"}
    )
    for _ in range(100):  # nobody presses anything: the bot tries to write by itself
        if api.send_failures == 0:
            break
        await asyncio.sleep(0.05)
    assert api.send_failures == 0 and api.to(chat)[-1].text == asked  # he saw nothing

    await post(text_update(chat, "?", message_id=70))  # he asks what is going on: not read
    # as an answer to a question he never saw (the email the step after it asks for)

    told = api.to(chat)[-1].text
    assert "thử lại" in told and "email" in told  # the step the signature took him to


async def test_a_citizen_whose_success_screen_telegram_lost_gets_it_a_moment_later(
    telegram: tuple[TelegramApi, BotHarness, Post],
) -> None:
    api, bot, post = telegram
    chat = CHAT + 2
    await at_summary(api, post, chat)
    await post(api.press(chat, "confirm"))
    for typed in (await bot.last_code(AN_PHONE), PASSWORD):
        await post(text_update(chat, typed))
    api.send_failures = 1  # Telegram answers 502 to "Đăng ký thành công"

    await post(text_update(chat, PASSWORD))

    assert await bot.accounts.exists(AccountKind.CITIZEN, AN_ID)
    for _ in range(60):  # nobody writes anything: the bot sends it again by itself
        if "Đăng ký thành công" in api.to(chat)[-1].text:
            break
        await asyncio.sleep(0.05)
    assert "Đăng ký thành công" in api.to(chat)[-1].text
