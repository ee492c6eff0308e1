"""What a registration leaves behind, read with every logger at DEBUG: no log line, no
conversation event, no metric and no stored byte holds the password, the code, the ID
number or the phone number in clear. Telegram polls the Bot API emulator here, so every
word the person types also passes through python-telegram-bot's own client; USSD and
Zalo (the `/secret` password page) go through regbot's own HTTP surface."""

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
from tests.e2e.stories import (
    PASSWORD,
    USSD_PASSWORD,
    AgentBrowser,
    Handset,
    option,
    sms_codes,
)
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    secret_link,
    zalo_fixture,
)
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


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler writes it, tracebacks too; the test server's access log
    is the harness's (`regbot serve` runs without one)."""
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # it did log
    formatter = logging.Formatter()
    return "\n".join(formatter.format(r) for r in caplog.records if r.name != "aiohttp.access")


def rows_of(database: Path) -> str:
    assert database.exists(), database
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
    left_behind = {
        "log lines": logged(caplog),
        "metrics": metrics,
        "Redis": "\n".join(stored),
        "database": rows_of(tmp_path / "regbot.sqlite3"),
        "agent's transcript": transcript,
    }
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


async def test_ussd_and_zalo_registrations_logged_at_debug_leave_no_secret_or_number_in_clear(
    zalo: ZaloWorld, browser: PasswordPage, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = zalo.bot
    owner = subscriber(BINH_PHONE, BINH_ID, "Tran Thi Binh", "1985-03-02")
    assert await bot.sim_post("/sim/carrier/subscribers", owner) == 201
    phone = Handset(bot.client, BINH_PHONE)
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    await phone.press(option(screen, "Thue bao di dong"))
    for typed in ("Tran Thi Binh", "02/03/1985"):
        await phone.press(typed)
    screen = await phone.press(option(await phone.press(BINH_ID), "Dung so"))
    await phone.press(option(await phone.press(option(screen, "Bo qua")), "Xac nhan"))
    [ussd_code] = await sms_codes(bot, BINH_PHONE)
    for typed in (ussd_code, USSD_PASSWORD, USSD_PASSWORD):
        done = await phone.press(typed)
    assert done.startswith("END Dang ky thanh cong")

    await zalo.event("an", "follow")
    await zalo.pick("an", "Công dân")
    await zalo.tap("an", "mobile")
    for typed in ("Nguyễn Văn An", "17/05/1990", "001090012345"):
        await zalo.say("an", typed)
    await zalo.share_phone("an", "84912345678")
    await zalo.tap("an", "skip")
    await zalo.tap("an", "confirm")
    zalo_code = await bot.last_code("+84912345678")
    status, _ = await browser.set_password(secret_link(await zalo.say("an", zalo_code)), PASSWORD)
    assert status == 200
    await zalo.wait_for("an", "Đăng ký thành công")
    await bot.settle()

    metrics = await (await bot.client.get("/metrics")).text()
    left_behind = {
        "log lines": logged(caplog),
        "metrics": metrics,
        "database": rows_of(tmp_path / "regbot.sqlite3"),
    }
    secrets = {
        "USSD password": USSD_PASSWORD,
        "USSD code": ussd_code,
        "Zalo password": PASSWORD,
        "Zalo code": zalo_code,
        "Bình's ID number": BINH_ID,
        "Bình's phone": BINH_PHONE[3:],
        "An's ID number": "001090012345",
        "An's phone": "912345678",
    }
    for where, text in left_behind.items():
        for what, value in secrets.items():
            assert value not in text, f"the {what} is in the {where}"
