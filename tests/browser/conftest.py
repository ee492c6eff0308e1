"""The console in a real browser: Debian's Chromium, headless, driven by Playwright for
Python (no browser download), against one regbot served on a local port from a thread,
with its simulators and a Telegram Bot API emulator. One server and one browser for all
of `tests/browser` (package scope: Playwright's sync API runs an event loop of its own,
which must be gone before the asyncio tests of the other folders); a fresh browser
context (cookies) per test. Screenshots of the main pages
are saved under `tests/artifacts/` (gitignored)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from bot.channels.telegram.channel import SECRET_HEADER
from bot.channels.zalo.webhook import ZALO
from bot.config import Settings
from bot.support.agents import Role
from bot.web.app import RUNTIME, Wiring, create_app
from bot.web.console import SUPPORT
from tests.e2e.zalo_world import APP_ID as ZALO_APP_ID
from tests.support.telegram_api import TelegramApi

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "Hoa-Sen#2024"
AGENTS = {"lan": Role.SUPERVISOR, "minh": Role.AGENT, "khoa": Role.AGENT}
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """regbot on a thread's event loop, and ways to talk to it as its callers do."""

    base: str
    loop: asyncio.AbstractEventLoop
    app: web.Application
    telegram: TelegramApi

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(30)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None):
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def ussd(self, session: str, phone: str, text: str) -> str:
        """One USSD gateway request; the screen the handset shows."""
        status, body = self.post(
            "/ussd",
            {"sessionId": session, "phoneNumber": phone, "serviceCode": "*123#", "text": text},
        )
        assert status == 200, body
        return body

    def dial(self, session: str, phone: str, *inputs: str) -> str:
        """A USSD session typing `inputs` one by one; the last screen."""
        screen = self.ussd(session, phone, "")
        for n in range(1, len(inputs) + 1):
            screen = self.ussd(session, phone, "*".join(inputs[:n]))
        return screen

    def telegram_update(self, update: dict[str, Any]) -> None:
        secret = self.app[RUNTIME].keys.token_for("telegram-webhook")
        request = urllib.request.Request(
            self.base + "/telegram",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", SECRET_HEADER: secret},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return json.loads(response.read())

    def settle(self) -> None:
        """Every turn so far written to the database (the console reads it)."""
        self.run(self.app[SUPPORT].desk.settle())

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def zalo(self, user: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """A Zalo user's message or tap, through the simulator's signed webhook; the
        messages the OA answered with."""
        before = len(self.zalo_inbox(user))
        assert self.post_json(f"/sim/zalo/users/{user}/send", body)["delivered"]
        self.run(self.app[ZALO].settle())
        return self.zalo_inbox(user)[before:]

    def zalo_inbox(self, user: str) -> list[dict[str, Any]]:
        inbox: list[dict[str, Any]] = self.get_json(f"/sim/zalo/users/{user}/inbox")
        return inbox


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port, api_port = _free_port(), _free_port()
    telegram = TelegramApi()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("console"),
        password_hashing="fast",
        secret_key="browser-test-secret-0123456789",
        telegram_bot_token="123456:TEST-token",
        telegram_api_url=f"http://127.0.0.1:{api_port}/bot",
        telegram_webhook_url="https://regbot.example/telegram",
        zalo_app_id=ZALO_APP_ID,  # the password page is a web page too
    )
    app = create_app(settings, Wiring(self_url=f"http://127.0.0.1:{port}", samples=True))
    runners: list[web.AppRunner] = []

    async def start() -> None:
        for served_app, at in ((telegram.app(), api_port), (app, port)):
            runner = web.AppRunner(served_app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", at).start()
            runners.append(runner)
        for name, role in AGENTS.items():
            await app[SUPPORT].agents.add(name, role, PASSWORD)

    async def stop() -> None:
        for runner in reversed(runners):
            await runner.cleanup()

    asyncio.run_coroutine_threadsafe(start(), loop).result(60)
    try:
        yield Served(f"http://127.0.0.1:{port}", loop, app, telegram)
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("REGBOT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} and REGBOT_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, served: Served, name: str, password: str = PASSWORD) -> None:
    page.goto(served.base + "/console/signin")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
