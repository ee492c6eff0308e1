"""The world of the Zalo stories: regbot with the Zalo channel on, its simulator mounted at
`/sim/zalo`; a person is driven only through the simulator's control API over HTTP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.channels.zalo.messages import read_tap
from bot.channels.zalo.webhook import ZALO
from bot.config import Settings
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness, harness_settings, make_harness

APP_ID = "4321987654321"
SECRET_LINK = re.compile(r"https?://[^\s\"]+/secret/[A-Za-z0-9_-]+")
SIGN_LINK = re.compile(r"https?://[^\s\"]+/sign/[A-Za-z0-9_-]+")


def zalo_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return replace(harness_settings(tmp_path), zalo_app_id=APP_ID, **overrides)


@dataclass
class ZaloWorld:
    bot: BotHarness

    async def settle(self) -> None:
        """Wait until what was delivered has been applied and answered (and pushes)."""
        for _ in range(3):
            await self.bot.app[ZALO].settle()
            await self.bot.app[RUNTIME].resumes.settle()
            await self.bot.settle()

    async def deliver(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.bot.client.post(f"/sim/zalo/users/{user}/send", json=body)
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result

    async def say(self, user: str, text: str) -> list[dict[str, Any]]:
        """Type `text`; the messages the OA answered with."""
        return await self._answered(user, {"text": text})

    async def pick(self, user: str, label: str) -> list[dict[str, Any]]:
        """Type the number of the option `label` of the numbered menu shown last."""
        return await self.say(user, numbered(await self.inbox(user), label))

    async def tap(self, user: str, key: str) -> list[dict[str, Any]]:
        """Tap the button `key` (`sim`, `nav:back`) of the newest message that shows one;
        a choice shown only in a numbered list is sent as its key, typed."""
        return await self._answered(user, {"tap": button_payload(await self.inbox(user), key)})

    async def event(self, user: str, name: str) -> list[dict[str, Any]]:
        return await self._answered(user, {"event": name})

    async def share_phone(self, user: str, phone: str) -> list[dict[str, Any]]:
        return await self._answered(user, {"submit_info": {"name": "Zalo user", "phone": phone}})

    async def _answered(self, user: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(await self.inbox(user))
        result = await self.deliver(user, body)
        assert result["delivered"], result
        await self.settle()
        return (await self.inbox(user))[before:]

    async def inbox(self, user: str) -> list[dict[str, Any]]:
        response = await self.bot.client.get(f"/sim/zalo/users/{user}/inbox")
        assert response.status == 200
        inbox: list[dict[str, Any]] = await response.json()
        return inbox

    async def last_text(self, user: str) -> str:
        return text_of(await self.inbox(user))

    async def wait_for(self, user: str, words: str, tries: int = 100) -> str:
        """Until a message containing `words` arrives by itself (a pushed reply)."""
        for _ in range(tries):
            await self.settle()
            shown = text_of(await self.inbox(user), last=3)
            if words in shown:
                return shown
            await asyncio.sleep(0.05)
        raise AssertionError(f"{words!r} never arrived; last: {shown}")


def zalo_timestamp(bot: BotHarness, seconds_ago: float = 0) -> str:
    """An event's `timestamp` as Zalo writes it (milliseconds), by regbot's own clock."""
    return str(int((bot.engine.now().timestamp() - seconds_ago) * 1000))


def text_of(messages: list[dict[str, Any]], last: int = 0) -> str:
    """What the person reads in these messages (all, or the last `last` ones)."""
    chosen = messages[-last:] if last else messages
    return "\n".join(m["text"] for m in chosen)


def numbered(messages: list[dict[str, Any]], label: str) -> str:
    """The number the latest numbered menu in `messages` gives the option whose label
    contains `label` (Zalo shows five buttons at most: a longer menu is numbered, typed)."""
    for message in reversed(messages):
        found = re.search(rf"^(\d+)\. [^\n]*{re.escape(label)}", message["text"], re.MULTILINE)
        if found:
            return found.group(1)
    raise AssertionError(f"no numbered option {label!r} in:\n{text_of(messages)}")


def buttons(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(title, payload or url) of every button in these messages."""
    found = []
    for message in messages:
        for button in message["buttons"]:
            payload = button["payload"]
            target = payload["url"] if isinstance(payload, dict) else payload
            found.append((button["title"], target))
    return found


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    """The choice of every button (its payload without the screen it was sent with)."""
    return [choice_of(payload) for _, payload in buttons(messages)]


def choice_of(payload: str) -> str:
    """`nav:back` of `nav:back#17.30de` (a link's URL as it is)."""
    tap = read_tap(payload)
    return tap.key if tap else payload


def button_payload(messages: list[dict[str, Any]], key: str) -> str:
    """The payload of the newest button for the choice `key` (`nav:back#17.30de`), or
    `key` itself when no button offers it."""
    for message in reversed(messages):
        for _, payload in reversed(buttons([message])):
            if choice_of(payload) == key:
                return payload
    return key


@pytest.fixture(name="zalo")
async def zalo_fixture(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async with make_harness(zalo_settings(tmp_path)) as bot:
        yield ZaloWorld(bot)


class PasswordPage:
    """A phone browser opening a `/secret` link: keeps its cookies like any browser."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http

    async def open(self, url: str) -> tuple[int, str, str]:
        """(status, page, the form's CSRF field)."""
        async with self.http.get(url) as response:
            page = await response.text()
            found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
            return response.status, page, found.group(1) if found else ""

    async def submit(
        self, url: str, password: str, confirm: str, csrf: str, **headers: str
    ) -> tuple[int, str]:
        form = {"csrf": csrf, "password": password, "confirm": confirm}
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))  # as a browser sends it
        async with self.http.post(
            url, data=form, headers={"Origin": origin, **headers}
        ) as response:
            return response.status, await response.text()

    async def set_password(self, url: str, password: str, confirm: str = "") -> tuple[int, str]:
        status, page, csrf = await self.open(url)
        assert status == 200, page
        return await self.submit(url, password, confirm or password, csrf)


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[PasswordPage]:
    # unsafe: the test server is an IP address, whose cookies aiohttp refuses by default
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield PasswordPage(http)


def secret_link(messages: list[dict[str, Any]]) -> str:
    """The `/secret` link of the last password button in these messages."""
    urls = [url for _, url in buttons(messages) if SECRET_LINK.fullmatch(url)]
    assert urls, messages
    return urls[-1]
