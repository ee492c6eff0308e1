"""What a registration leaves behind, read with every logger at DEBUG: no log line, no
conversation event, no metric and no stored byte holds the password, the code, the ID
number or the phone number in clear. Telegram polls the Bot API emulator here, so every
word the person types also passes through python-telegram-bot's own client."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.support.agents import Role
from bot.web.console import SUPPORT
from tests.e2e.conftest import (
    BotHarness,
    make_harness,
    redis_left_clean,
    redis_settings,
    subscriber,
)
from tests.e2e.stories import PASSWORD, AgentBrowser
from tests.support.telegram_api import BOT_TOKEN, TelegramApi, bot_api, text_update, with_telegram

CHAT = 660001
AGENT_PASSWORD = "Lam-Viec#2025"
# Bình, not An: An's number is the example the phone prompt itself shows
BINH_ID, BINH_PHONE, BINH_TYPED_PHONE = "079185004321", "+84987650321", "0987 650 321"
TYPED = ("Trần Thị Bình", "02/03/1985", BINH_ID, BINH_TYPED_PHONE)


async def tell(api: TelegramApi, update: dict[str, Any]) -> None:
    """Hand the bot an update through getUpdates; wait for its answer, all of it (a
    screen may come after a line that removes the phone keyboard)."""
    before = seen = len(api.sent)
    api.updates.append(update)
    for _ in range(200):
        await asyncio.sleep(0.05)
        if len(api.sent) > before and len(api.sent) == seen:
            return
        seen = len(api.sent)
    raise AssertionError(f"no answer to {update}")


async def register_in_telegram(api: TelegramApi, bot: BotHarness) -> str:
    """Bình registers by mobile subscriber in a Telegram chat; the code she was sent."""
    owner = subscriber(BINH_PHONE, BINH_ID, "Trần Thị Bình", "1985-03-02")
    assert await bot.sim_post("/sim/carrier/subscribers", owner) == 201
    await tell(api, text_update(CHAT, "/start"))
    await tell(api, api.press(CHAT, "citizen"))
    await tell(api, api.press(CHAT, "mobile"))
    for typed in TYPED:
        await tell(api, text_update(CHAT, typed))
    await tell(api, api.press(CHAT, "skip"))
    await tell(api, api.press(CHAT, "confirm"))
    code = await bot.last_code(BINH_PHONE)
    for typed in (code, PASSWORD, PASSWORD):
        await tell(api, text_update(CHAT, typed))
    assert "Đăng ký thành công" in api.to(CHAT)[-1].text
    return code


def rows_of(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [name for (name,) in listed]
        return "\n".join(
            repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        )


async def test_a_telegram_registration_logged_at_debug_leaves_no_secret_or_number_in_clear(
    tmp_path: Path, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with (
        redis_left_clean(redis_url) as redis,
        bot_api() as (api, api_url),
        make_harness(
            with_telegram(redis_settings(tmp_path, redis_url), api_url, webhook=False)
        ) as bot,
    ):
        code = await register_in_telegram(api, bot)
        await bot.settle()
        metrics = await (await bot.client.get("/metrics")).text()
        await bot.app[SUPPORT].agents.add("minh", Role.AGENT, AGENT_PASSWORD)
        agent = AgentBrowser(bot.client)
        await agent.sign_in("minh", AGENT_PASSWORD)
        path, _ = await agent.open_caller(BINH_PHONE)  # the number Bình tells the agent
        _, transcript = await agent.get(path)
        stored = [
            repr(await redis.dump(key)) + repr(key) async for key in redis.scan_iter("regbot:*")
        ]
    # the test server's access log is the harness's: `regbot serve` runs without one
    logged = [logging.Formatter().format(r) for r in caplog.records if r.name != "aiohttp.access"]
    left_behind = {
        "log lines": "\n".join(logged),
        "metrics": metrics,
        "Redis": "\n".join(stored),
        "database": rows_of(tmp_path / "regbot.sqlite3"),
        "agent's transcript": transcript,
    }
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # it did log
    secrets = {
        "password": PASSWORD,
        "code": code,
        "ID number": BINH_ID,
        "phone": BINH_PHONE[3:],
        "typed phone": BINH_TYPED_PHONE,
        "bot token": BOT_TOKEN,
    }
    for where, text in left_behind.items():
        for what, value in secrets.items():
            if where == "agent's transcript" and what == "phone":
                continue  # the agent typed it to find her; what she typed is masked
            assert value not in text, f"the {what} is in the {where}"
    assert "Trần Thị Bình" not in transcript
    assert "*********321" in transcript  # her conversation, the ID number masked
