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
    buttons: list[list[dict[str, str]]]
    message_id: int


@dataclass
class TelegramApi:
    sent: list[SentMessage] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served to getUpdates
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
            return _ok(True)
        if method == "deleteMessage":
            self.deleted.append((int(params["chat_id"]), int(params["message_id"])))
            return _ok(True)
        if method == "sendMessage":
            markup = params.get("reply_markup") or {}
            sent = SentMessage(
                int(params["chat_id"]),
                str(params["text"]),
                markup.get("inline_keyboard", []),
                next(self._ids),
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
        return [m for m in self.sent if m.chat_id == chat_id]


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


def button_update(chat_id: int, data: str, language: str = "vi") -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "...",
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            },
        },
    }
