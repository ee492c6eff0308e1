"""A real regbot app on a test server: simulators mounted, clients calling them over HTTP."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.accounts.port import Accounts
from bot.channels.telegram.channel import SECRET_HEADER
from bot.config import Settings
from bot.engine import DialogEngine
from bot.engine.messages import Action, Inbound, Reply
from bot.engine.render import render
from bot.state.redis import redis_client
from bot.web.app import RUNTIME, Wiring, create_app
from tests.support.telegram_api import TelegramApi, bot_api, with_telegram


@dataclass
class BotHarness:
    """Talks to the engine as a channel would, and reads what the simulators received."""

    app: Any
    client: TestClient
    engine: DialogEngine
    accounts: Accounts
    channel: str = "test"
    last: dict[str, Reply] = field(default_factory=dict)

    async def send(
        self,
        user: str,
        text: str = "",
        action: Action = Action.TEXT,
        lang: str | None = None,
        choice: str | None = None,
    ) -> Reply:
        reply = await self.engine.handle(
            Inbound(self.channel, user, text=text, action=action, lang=lang, choice=choice)
        )
        self.last[user] = reply
        return reply

    async def say(
        self, user: str, text: str = "", action: Action = Action.TEXT, lang: str | None = None
    ) -> list[str]:
        """What the person sees after typing `text`: texts, then `N. option` lines."""
        reply = await self.send(user, text, action, lang)
        return self.screen(reply)

    async def pick(self, user: str, *labels: str) -> list[str]:
        """Type the number of the option whose label contains one of `labels` (the same
        option in each language the test may see it in), on the screen shown last."""
        shown = render(self.last[user], self.app[RUNTIME].translator)
        numbers = [
            n
            for n, (_, text) in enumerate(shown.options, start=1)
            if any(label in text for label in labels)
        ]
        assert len(numbers) == 1, f"{labels!r} is not exactly one of {shown.options}"
        return await self.say(user, str(numbers[0]))

    def screen(self, reply: Reply) -> list[str]:
        shown = render(reply, self.app[RUNTIME].translator)
        return [
            *shown.texts,
            *(f"{n}. {label}" for n, (_, label) in enumerate(shown.options, start=1)),
        ]

    async def settle(self) -> None:
        """Let the work a turn left for later (e.g. a password-reset SMS) finish."""
        await self.app[RUNTIME].notifier.settle()

    async def sms_to(self, e164: str) -> list[str]:
        await self.settle()
        response = await self.client.get("/sim/sms/outbox", params={"to": e164})
        assert response.status == 200
        return [item["text"] for item in await response.json()]

    async def last_code(self, e164: str) -> str:
        texts = await self.sms_to(e164)
        assert texts, f"no SMS to {e164}"
        found = re.search(r"\b(\d{6})\b", texts[-1])
        assert found, texts[-1]
        return found.group(1)

    async def sim_post(self, path: str, body: Any) -> int:
        response = await self.client.post(path, json=body)
        return response.status


def subscriber(msisdn: str, id_number: str, full_name: str, born: str) -> dict[str, Any]:
    """A carrier-register entry owned by its registered owner (`POST /sim/carrier/subscribers`)."""
    owner = {"id_number": id_number, "full_name": full_name, "date_of_birth": born}
    return {"msisdn": msisdn, "carrier": "Viettel", "owner_registered": True, "owner": owner}


def redis_settings(tmp_path: Path, redis_url: str) -> Settings:
    """The harness on the real Redis, with a secret of its own: the hashed key names of
    this test cannot meet another run's."""
    return Settings(
        data_dir=tmp_path,
        password_hashing="fast",
        secret_key=f"test-secret-{uuid.uuid4().hex}",
        redis_url=redis_url,
    )


@asynccontextmanager
async def redis_left_clean(redis_url: str) -> AsyncIterator[Redis]:
    """A client on the real Redis; the `regbot:` keys created meanwhile are deleted."""
    client = redis_client(redis_url)
    before = {key async for key in client.scan_iter("regbot:*")}
    try:
        yield client
    finally:
        created = {key async for key in client.scan_iter("regbot:*")} - before
        if created:
            await client.delete(*created)
        await client.aclose()


def harness_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        password_hashing="fast",
        secret_key="test-secret-key-0123456789",
        **overrides,
    )


@pytest.fixture
async def bot_app(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """regbot with its simulators (sample people loaded), served on a local port."""
    async with _harness(harness_settings(tmp_path)) as harness:
        yield harness


class _harness:
    def __init__(self, settings: Settings, before_start: Callable[[Any], None] | None = None):
        self.settings = settings
        self.before_start = before_start  # e.g. add a signal handler while it can be added

    async def __aenter__(self) -> BotHarness:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        app = create_app(self.settings, Wiring(self_url=f"http://127.0.0.1:{port}", samples=True))
        if self.before_start is not None:
            self.before_start(app)
        self.client = TestClient(TestServer(app, host="127.0.0.1", port=port))
        await self.client.start_server()
        runtime = app[RUNTIME]
        return BotHarness(
            app=app, client=self.client, engine=runtime.engine, accounts=runtime.accounts
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()


def make_harness(settings: Settings, before_start: Callable[[Any], None] | None = None) -> _harness:
    return _harness(settings, before_start)


Post = Callable[..., Awaitable[int]]


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[tuple[TelegramApi, BotHarness, Post]]:
    """regbot with its Telegram channel on a Bot API emulator; `post(update, token=...)`
    posts an update to `POST /telegram` with the webhook's secret token (or `token`)."""
    async with (
        bot_api() as (api, api_url),
        make_harness(with_telegram(harness_settings(tmp_path), api_url)) as bot,
    ):
        secret = bot.app[RUNTIME].keys.token_for("telegram-webhook")

        async def post(update: dict[str, Any], token: str | None = secret) -> int:
            headers = {SECRET_HEADER: token} if token is not None else {}
            response = await bot.client.post("/telegram", json=update, headers=headers)
            return response.status

        yield api, bot, post


@pytest.fixture
async def fresh_database(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own on the real PostgreSQL, dropped afterwards."""
    name = f"regbot_scale_{uuid.uuid4().hex[:12]}"
    parsed = urlparse(postgres_url.replace("+asyncpg", ""))
    admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            parsed._replace(path=f"/{name}").geturl().replace("postgresql:", "postgresql+asyncpg:")
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
