"""A Bot API emulator: the few methods regbot calls, over real HTTP, recording what the
bot sent, so Telegram stories can be told without Telegram."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

WEBHOOK_URL = "https://regbot.example/telegram"
BOT_TOKEN = "123456:TEST-token"


@asynccontextmanager
async def bot_api() -> AsyncIterator[tuple[TelegramApi, str]]:
    """The emulator on a local port, and the TELEGRAM_API_URL that reaches it."""
    api = TelegramApi()
    server = TestServer(api.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield api, str(server.make_url("/bot"))
    finally:
        await server.close()


def with_telegram(settings: Any, api_url: str, *, webhook: bool = True) -> Any:
    """`settings` with the Telegram channel on, talking to `api_url`."""
    return dataclasses.replace(
        settings,
        telegram_bot_token=BOT_TOKEN,
        telegram_api_url=api_url,
        telegram_webhook_url=WEBHOOK_URL if webhook else None,
    )


BOT_USER = {"id": 4242, "is_bot": True, "first_name": "regbot", "username": "regbot_test_bot"}


@dataclass
class SentMessage:
    chat_id: int
    text: str
    buttons: list[list[dict[str, str]]]  # the inline keyboard, as a client still shows it
    message_id: int
    reply_keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    removes_keyboard: bool = False
    started: float = 0.0  # when the bot's sendMessage call arrived
    answered: float = 0.0  # when it was answered


@dataclass
class TelegramApi:
    sent: list[SentMessage] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served to getUpdates
    notices: list[str | None] = field(default_factory=list)  # answerCallbackQuery texts
    send_delay: float = 0.0  # seconds each sendMessage takes, as over a real network
    send_failures: int = 0  # the next sendMessage calls Telegram answers with a 502
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(r"/bot{token}/{method}", self._call)
        return app

    async def _call(self, request: web.Request) -> web.Response:
        form = dict(await request.post()) if request.can_read_body else {}
        params = {k: _maybe_json(str(v)) for k, v in form.items()}
        method = request.match_info["method"]
        if method == "getMe":
            return _ok(BOT_USER)
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = params
            return _ok(True)
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if not ready:
                await asyncio.sleep(0.05)  # a short long-poll
            return _ok(ready)
        if method == "answerCallbackQuery":
            self.notices.append(params.get("text"))
            return _ok(True)
        if method == "deleteMessage":
            self.deleted.append((int(params["chat_id"]), int(params["message_id"])))
            return _ok(True)
        if method == "editMessageReplyMarkup":
            chat, message = int(params["chat_id"]), int(params["message_id"])
            for old in self.sent:
                if (old.chat_id, old.message_id) == (chat, message):
                    old.buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
            return _ok(True)
        if method == "sendMessage" and self.send_failures > 0:
            self.send_failures -= 1
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        if method == "sendMessage":
            started = time.monotonic()
            await asyncio.sleep(self.send_delay)
            markup = params.get("reply_markup") or {}
            sent = SentMessage(
                int(params["chat_id"]),
                str(params["text"]),
                markup.get("inline_keyboard", []),
                next(self._ids),
                reply_keyboard=markup.get("keyboard", []),
                removes_keyboard=bool(markup.get("remove_keyboard")),
                started=started,
                answered=time.monotonic(),
            )
            self.sent.append(sent)
            return _ok(
                {
                    "message_id": sent.message_id,
                    "date": int(time.time()),
                    "chat": {"id": sent.chat_id, "type": "private"},
                    "from": BOT_USER,
                    "text": sent.text,
                }
            )
        return web.json_response(
            {"ok": False, "error_code": 404, "description": f"Not Found: {method}"}, status=404
        )

    def to(self, chat_id: int) -> list[SentMessage]:
        """What the chat shows: the messages the bot sent and did not delete."""
        gone = set(self.deleted)
        return [
            m for m in self.sent if m.chat_id == chat_id and (chat_id, m.message_id) not in gone
        ]

    def screen(self, chat_id: int) -> SentMessage:
        """The newest message with buttons: what a person presses."""
        return [m for m in self.to(chat_id) if m.buttons][-1]

    def press(self, chat_id: int, data: str, language: str = "vi") -> dict:
        """A press of the button `data` on the newest screen, as a client sends it."""
        screen = self.screen(chat_id)
        keys = [b["callback_data"] for row in screen.buttons for b in row]
        assert data in keys, f"{data!r} is not on the newest screen: {keys}"
        return button_update(chat_id, data, language, message_id=screen.message_id)


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


_update_ids = itertools.count(1)


def text_update(chat_id: int, text: str, message_id: int = 1, language: str = "vi") -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": user,
        },
    }


def button_update(chat_id: int, data: str, language: str = "vi", message_id: int = 1) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "text": "...",
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            },
        },
    }


def _message(chat_id: int, chat_type: str = "private", **content: Any) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "vi"}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": user,
            **content,
        },
    }


def contact_update(chat_id: int, phone: str, owner: int | None) -> dict:
    """A shared contact; `owner` is the Telegram user it belongs to (the sender's own when
    it is `chat_id`, someone else's otherwise, or None for a contact not on Telegram)."""
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Contact"}
    if owner is not None:
        contact["user_id"] = owner
    return _message(chat_id, contact=contact)


def sticker_update(chat_id: int) -> dict:
    sticker = {
        "file_id": "CAAC",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return _message(chat_id, sticker=sticker)


def photo_update(chat_id: int) -> dict:
    photo = [{"file_id": "AgAC", "file_unique_id": "p1", "width": 90, "height": 90}]
    return _message(chat_id, photo=photo, caption="CCCD")


def group_update(chat_id: int, text: str) -> dict:
    return _message(chat_id, "group", text=text)
