"""Telegram stories: updates posted to `POST /telegram` as Telegram would, replies read
from a Bot API emulator over HTTP (TELEGRAM_API_URL)."""

from __future__ import annotations

import dataclasses

from aiohttp.test_utils import TestServer

from bot.accounts.model import AccountKind
from bot.web.app import RUNTIME
from tests.e2e.conftest import harness_settings, make_harness
from tests.support.telegram_api import (
    TelegramApi,
    text_update,
)

CHAT = 777001


def buttons(message) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in message.buttons for b in row]


async def test_regbot_registers_its_webhook_with_a_secret_token(telegram):
    api, bot, _ = telegram
    assert api.webhook["url"] == "https://regbot.example/telegram"
    assert api.webhook["secret_token"] == bot.app[RUNTIME].keys.token_for("telegram-webhook")


async def test_an_update_without_the_secret_token_is_refused_and_nothing_is_sent(telegram):
    api, _, post = telegram
    assert await post(text_update(CHAT, "/start"), token="forged") == 403
    assert await post(text_update(CHAT, "/start"), token=None) == 403
    assert api.sent == []


async def test_a_citizen_registers_by_mobile_subscriber_in_telegram(telegram):
    api, bot, post = telegram
    assert await post(text_update(CHAT, "/start")) == 200
    first = api.to(CHAT)[-1]
    assert "Bạn đăng ký tài khoản với tư cách nào?" in first.text
    assert ("Công dân", "citizen") in buttons(first)
    await post(api.press(CHAT, "citizen"))
    assert ("Thuê bao di động (chỉ dành cho công dân)", "mobile") in buttons(api.to(CHAT)[-1])
    await post(api.press(CHAT, "mobile"))
    for text in ("Nguyễn Văn An", "17/05/1990", "001090012345", "0912345678"):
        await post(text_update(CHAT, text))
    await post(api.press(CHAT, "skip"))
    summary = api.to(CHAT)[-1]
    assert "001090012345" in summary.text and "⬅ Quay lại" in [t for t, _ in buttons(summary)]
    await post(api.press(CHAT, "confirm"))
    code = await bot.last_code("+84912345678")
    await post(text_update(CHAT, code, message_id=51))
    await post(text_update(CHAT, "Hoa-Sen#2024", message_id=52))
    await post(text_update(CHAT, "Hoa-Sen#2024", message_id=53))
    assert "Đăng ký thành công" in api.to(CHAT)[-1].text
    assert api.to(CHAT)[-1].buttons == []  # the conversation is over
    # the OTP and both passwords were deleted from the chat history
    assert {(CHAT, 51), (CHAT, 52), (CHAT, 53)} <= set(api.deleted)
    account = await bot.accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None and account.method == "mobile"


async def test_an_english_speaking_user_is_answered_in_english(telegram):
    api, _, post = telegram
    await post(text_update(CHAT + 1, "/start", language="en"))
    assert api.to(CHAT + 1)[-1].text.startswith("Welcome")


async def test_help_and_cancel_buttons(telegram):
    api, _, post = telegram
    await post(text_update(CHAT + 2, "/start"))
    await post(api.press(CHAT + 2, "nav:help"))
    assert "Công dân" in api.to(CHAT + 2)[-1].text
    await post(api.press(CHAT + 2, "nav:cancel"))
    assert "đã được xóa" in api.to(CHAT + 2)[-1].text


async def test_a_group_chat_is_asked_to_write_privately_and_a_malformed_update_is_a_400(
    telegram,
):
    """In a group every member would drive one registration and see its summary."""
    api, _, post = telegram
    group = text_update(CHAT + 3, "/start")
    group["message"]["chat"]["type"] = "group"
    assert await post(group) == 200
    [notice] = api.to(CHAT + 3)
    assert "nhắn tin riêng" in notice.text and notice.buttons == []
    assert await post([1, 2, 3]) == 400  # not an update: a list


async def test_a_signature_confirmed_on_the_phone_continues_the_telegram_chat_by_itself(telegram):
    import asyncio

    api, bot, post = telegram
    chat = CHAT + 4
    body = {
        "phone": "+84903123456",
        "full_name": "Đỗ Quang Huy",
        "pin": "1111",
        "id_number": "031092005566",
    }
    assert await bot.sim_post("/sim/mssp/sims", body) == 201
    await post(text_update(chat, "/start"))
    await post(api.press(chat, "citizen"))
    await post(api.press(chat, "sim"))
    await post(text_update(chat, "0903123456"))
    pending = await (
        await bot.client.get("/sim/mssp/pending", params={"phone": "+84903123456"})
    ).json()
    code = pending[0]["verification_code"]
    assert code in api.to(chat)[-1].text  # the same 4 digits on both sides
    await bot.sim_post(
        f"/sim/mssp/pending/{pending[0]['session_id']}", {"action": "approve", "pin": "1111"}
    )
    for _ in range(100):  # nobody presses anything: the bot writes by itself
        if "Chữ ký số hợp lệ" in api.to(chat)[-1].text:
            break
        await asyncio.sleep(0.05)
    assert "Chữ ký số hợp lệ" in api.to(chat)[-1].text


async def test_without_a_webhook_url_the_bot_polls_for_updates(tmp_path):
    import asyncio

    api = TelegramApi()
    server = TestServer(api.app(), host="127.0.0.1")
    await server.start_server()
    settings = dataclasses.replace(
        harness_settings(tmp_path),
        telegram_bot_token="123456:TEST-token",
        telegram_api_url=str(server.make_url("/bot")),
    )
    try:
        async with make_harness(settings) as bot:
            assert (await bot.client.post("/telegram", json={})).status == 404  # no webhook
            api.updates.append(text_update(CHAT + 5, "/start"))
            for _ in range(100):
                if api.to(CHAT + 5):
                    break
                await asyncio.sleep(0.05)
            assert "Bạn đăng ký tài khoản với tư cách nào?" in api.to(CHAT + 5)[-1].text
    finally:
        await server.close()


async def test_a_bot_api_that_does_not_answer_leaves_the_rest_of_the_service_up(tmp_path):
    settings = dataclasses.replace(
        harness_settings(tmp_path),
        telegram_bot_token="123456:TEST-token",
        telegram_api_url="http://127.0.0.1:9/bot",  # nothing listens there
        telegram_webhook_url="https://regbot.example/telegram",
    )
    async with make_harness(settings) as bot:
        assert (await bot.client.get("/healthz")).status == 200
        assert (await bot.client.post("/telegram", json={})).status == 503
        first = await bot.client.post(
            "/ussd",
            data={
                "sessionId": "s",
                "serviceCode": "*123#",
                "phoneNumber": "+84912345678",
                "text": "",
            },
        )
        assert (await first.text()).startswith("CON ")
