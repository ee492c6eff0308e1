"""The password page (`/secret`) and the signing page (`/sign`) keep their links in the
state store: when it is down, the link - and the language of the person who opened it -
cannot be read, so "try again" is said in Vietnamese and in English, never in one
language the person may not read."""

from __future__ import annotations

import pytest

from bot.state.store import StoreUnavailable
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    secret_link,
    text_of,
    zalo_fixture,
)


def the_store_goes_down(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(*_: object) -> None:
        raise StoreUnavailable("down")

    monkeypatch.setattr(bot.app[RUNTIME].store, "load", down)


async def test_an_english_speaker_opening_the_password_page_while_the_store_is_down_reads_it(
    zalo: ZaloWorld, browser: PasswordPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await zalo.event("mai", "follow")
    english = next(line for line in text_of(first).splitlines() if line.endswith("English"))
    await zalo.say("mai", english.split(".")[0])
    await zalo.pick("mai", "Citizen")
    await zalo.tap("mai", "mobile")
    for typed in ("Nguyen Van An", "17/05/1990", "001090012345"):
        await zalo.say("mai", typed)
    await zalo.share_phone("mai", "84912345678")
    await zalo.tap("mai", "skip")
    await zalo.tap("mai", "confirm")
    password_step = await zalo.say("mai", await zalo.bot.last_code("+84912345678"))
    url = secret_link(password_step)
    the_store_goes_down(zalo.bot, monkeypatch)

    status, page, _ = await browser.open(url)

    assert status == 503
    assert "please try again in a few minutes" in page  # hers
    assert "vui lòng thử lại sau ít phút" in page


async def test_the_signing_page_says_try_again_in_both_languages_while_the_store_is_down(
    zalo: ZaloWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    the_store_goes_down(zalo.bot, monkeypatch)

    response = await zalo.bot.client.get("/sign/some-link-token/challenge")

    assert response.status == 503
    told = (await response.json())["message"]
    assert "please try again in a few minutes" in told and "vui lòng thử lại" in told
