"""Zalo registrations the first stories left out: a business with a USB token (the `/sign`
link arrives as an `oa.open.url` button and the result is pushed), and a mobile
subscriber in English - driven only through the Zalo simulator's control API, the SMS
simulator, the `/sign` page and the `/secret` password page, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import BUSINESS_MST, TestPki
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    open_signing_world,
    test_pki_fixture,
)
from tests.e2e.stories import PASSWORD
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    APP_ID,
    SIGN_LINK,
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    buttons,
    payloads,
    secret_link,
    text_of,
    zalo_fixture,
)


async def follow(zalo: ZaloWorld, user: str, lang: str = "vi") -> list[dict[str, Any]]:
    """Follow the OA; in English, pick the first screen's numbered "English" option."""
    first = await zalo.event(user, "follow")
    if lang == "en":
        lines = text_of(first).splitlines()
        number = next(line.split(".")[0] for line in lines if line.endswith("English"))
        first = await zalo.say(user, number)
    return first


@pytest.fixture
async def zalo_signing(
    tmp_path: Path, test_pki: TestPki, ca_port: int
) -> AsyncIterator[tuple[ZaloWorld, SigningWorld]]:
    """Zalo on, in the USB-token world (the test PKI and its CA server)."""
    async with open_signing_world(tmp_path, test_pki, ca_port, zalo_app_id=APP_ID) as world:
        yield ZaloWorld(world.bot), world


async def test_a_business_registers_with_a_usb_token_from_the_sign_button(zalo_signing):
    zalo, world = zalo_signing
    await follow(zalo, "hoasen")
    methods = await zalo.say("hoasen", "2")  # a business
    assert "usb" in payloads(methods)
    await zalo.tap("hoasen", "usb")
    link_step = await zalo.tap("hoasen", "get_link")
    [(title, url)] = [(t, u) for t, u in buttons(link_step) if SIGN_LINK.fullmatch(u)]
    assert title == "Mở trang ký số"
    [button] = [b for m in link_step for b in m["buttons"] if b["title"] == title]
    assert button["type"] == "oa.open.url"  # opens the page, sends nothing to the bot
    assert url in text_of(link_step)  # in the text too, to copy to a computer

    signer = issued_signer(world.pki.users["business"])
    assert await sign_url(url, signer, session=world.http) == (200, {"status": "accepted"})
    email_step = await zalo.wait_for("hoasen", "Chữ ký số hợp lệ")  # pushed by itself
    assert "bắt buộc" in email_step  # a business must give an email
    assert "skip" not in payloads((await zalo.inbox("hoasen"))[-1:])
    refused = await zalo.say("hoasen", "not an email")
    assert "email" in text_of(refused).lower()
    summary = await zalo.say("hoasen", "ketoan@hoasen.vn")
    assert "Công ty TNHH Hoa Sen" in text_of(summary) and BUSINESS_MST in text_of(summary)
    done = await zalo.tap("hoasen", "register")
    assert "Đăng ký thành công" in text_of(done) and "mức xác minh 3" in text_of(done)
    account = await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST)
    assert account is not None
    assert (account.method, account.verification_level) == ("usb", 3)
    assert account.full_name == "Công ty TNHH Hoa Sen" and account.email == "ketoan@hoasen.vn"
    assert account.password_hash is None  # the token is the key: no password asked
    async with world.http.get(f"{url}/challenge") as again:  # the link signs once
        assert again.status == 409


async def test_a_citizen_registers_by_mobile_subscriber_in_english(
    zalo: ZaloWorld, browser: PasswordPage
):
    first = await follow(zalo, "an-en", lang="en")
    assert "Welcome" in text_of(first)
    methods = await zalo.say("an-en", "1")  # a citizen
    assert "Mobile subscriber" in text_of(methods) or "Mobile subscriber" in str(buttons(methods))
    name_step = await zalo.tap("an-en", "mobile")
    assert "full name" in text_of(name_step).lower()
    assert payloads(name_step) == ["nav:back", "nav:help", "nav:cancel"]
    assert "date of birth" in text_of(await zalo.say("an-en", "Nguyễn Văn An")).lower()
    id_step = await zalo.say("an-en", "17/05/1990")
    assert "ID" in text_of(id_step) or "CCCD" in text_of(id_step)
    phone_step = await zalo.say("an-en", "001090012345")
    [request] = [m for m in phone_step if m["request_user_info"]]
    assert request["request_user_info"]["title"] == "Share my phone number"
    email_step = await zalo.say("an-en", "0912 345 678")  # typed instead of shared
    assert "optional" in text_of(email_step).lower() and "skip" in payloads(email_step)
    summary = await zalo.tap("an-en", "skip")
    assert "001090012345" in text_of(summary) and "confirm" in payloads(summary)
    otp_step = await zalo.tap("an-en", "confirm")
    assert "09*****678" in text_of(otp_step)
    wrong = await zalo.say("an-en", "000000")
    assert "code" in text_of(wrong).lower()
    password_step = await zalo.say("an-en", await zalo.bot.last_code("+84912345678"))
    assert "do not type your password into Zalo" in text_of(password_step)

    status, page = await browser.set_password(secret_link(password_step), PASSWORD)
    assert status == 200 and "Your password is set" in page
    done = await zalo.wait_for("an-en", "Registration complete")  # the chat went on by itself
    assert PASSWORD not in done
    account = await zalo.bot.accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None
    assert (account.method, account.verification_level, account.phone) == (
        "mobile",
        2,
        "+84912345678",
    )
    assert PASSWORD not in str(await zalo.inbox("an-en"))
