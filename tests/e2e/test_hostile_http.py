"""Hostile HTTP never gets a 500 or a traceback in the log: JSON nested deeper than a
parser recurses, and secret headers that are not UTF-8, on every surface that reads one."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.support.raw_http import post, raw, tracebacks
from tests.support.telegram_api import bot_api, with_telegram

NOT_UTF8 = b"\xff\xfe\xc3(\x80"
ZALO_APP = "4321987654321"
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """Every surface that reads a secret header is on."""
    secrets = harness_settings(
        tmp_path,
        ussd_secret="gateway-shared-secret",
        zalo_app_id=ZALO_APP,  # the simulator's stand-in OA secrets
    )
    async with bot_api() as (_, api_url), make_harness(with_telegram(secrets, api_url)) as bot:
        yield bot


def zalo_event() -> bytes:
    """A current event (its timestamp within the window): only its signature is wrong."""
    return json.dumps({"app_id": ZALO_APP, "timestamp": str(int(time.time() * 1000))}).encode()


async def test_deeply_nested_json_on_a_signing_link_is_a_client_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status = await raw(bot.client, post("/sign/some-token", DEEP, "application/json"))
    assert 400 <= status < 500
    assert tracebacks(caplog) == []


async def test_deeply_nested_json_on_the_telegram_webhook_is_a_client_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = bot.app[RUNTIME].keys.token_for("telegram-webhook").encode()
    header = b"X-Telegram-Bot-Api-Secret-Token: " + secret
    status = await raw(bot.client, post("/telegram", DEEP, "application/json", header))
    assert status == 400
    assert tracebacks(caplog) == []


def malformed_updates() -> dict[str, object]:
    """Updates a Bot API client library cannot read, each in its own way."""
    message = {"message_id": 1, "chat": {"id": 1, "type": "private"}, "text": "hi"}
    return {
        "a date past any calendar": {"update_id": 1, "message": {**message, "date": 10**20}},
        "a date before any calendar": {"update_id": 2, "message": {**message, "date": -(10**20)}},
        "a date that is text": {"update_id": 3, "message": {**message, "date": "today"}},
        "a message that is text": {"update_id": 4, "message": "hi"},
        "a chat that is a list": {"update_id": 5, "message": {**message, "date": 1, "chat": []}},
        "an update id that is text": {"update_id": "five", "message": {**message, "date": 1}},
    }


@pytest.mark.parametrize("update", malformed_updates().values(), ids=malformed_updates().keys())
async def test_a_malformed_telegram_update_is_a_client_error_not_a_server_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, update: object
) -> None:
    caplog.set_level(logging.INFO)
    secret = bot.app[RUNTIME].keys.token_for("telegram-webhook")
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    response = await bot.client.post("/telegram", json=update, headers=headers)
    assert response.status == 400
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    ("path", "header", "content_type", "body"),
    [
        (
            "/ussd",
            b"X-USSD-Secret",
            "application/x-www-form-urlencoded",
            lambda: b"sessionId=s&text=",
        ),
        ("/telegram", b"X-Telegram-Bot-Api-Secret-Token", "application/json", lambda: b"{}"),
        ("/zalo", b"X-ZEvent-Signature", "application/json", zalo_event),
    ],
)
async def test_a_secret_header_that_is_not_utf8_is_refused_not_a_server_error(
    bot: BotHarness,
    caplog: pytest.LogCaptureFixture,
    path: str,
    header: bytes,
    content_type: str,
    body: Callable[[], bytes],
) -> None:
    caplog.set_level(logging.INFO)
    status = await raw(bot.client, post(path, body(), content_type, header + b": " + NOT_UTF8))
    assert status in (401, 403)  # Zalo's contract says 401 for a bad signature
    assert tracebacks(caplog) == []


async def test_deeply_nested_json_on_the_zalo_webhook_is_refused_like_a_bad_signature(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    header = b"X-ZEvent-Signature: mac=" + b"0" * 64
    assert await raw(bot.client, post("/zalo", DEEP, "application/json", header)) == 401
    assert tracebacks(caplog) == []


async def test_a_console_cookie_that_is_not_utf8_or_forged_is_asked_to_sign_in(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for cookie in (NOT_UTF8, b"gAAAAABforged-not-a-fernet-token"):
        request = (
            b"GET /console HTTP/1.1\r\nHost: regbot.test\r\nConnection: close\r\n"
            b"Cookie: regbot_console=" + cookie + b"\r\n\r\n"
        )
        assert await raw(bot.client, request) == 303  # to the sign-in page, as with no cookie
    assert tracebacks(caplog) == []


FORM = b"password=An%40Hanoi2026x&confirm=An%40Hanoi2026x&csrf=x"


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/x-www-form-urlencoded; charset=bogus", b""),
        ("application/x-www-form-urlencoded", b"Content-Encoding: gzip"),
    ],
    ids=["unknown charset", "not gzip"],
)
async def test_a_password_form_its_headers_misdescribe_asks_to_open_the_link_again(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, content_type: str, encoding: bytes
) -> None:
    caplog.set_level(logging.INFO)
    headers = (encoding,) if encoding else ()
    assert await raw(bot.client, post("/secret/some-token", FORM, content_type, *headers)) == 400
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    ("path", "header", "refused"),
    [
        ("/telegram", b"X-Telegram-Bot-Api-Secret-Token", 400),
        ("/zalo", b"X-ZEvent-Signature", 401),  # Zalo's contract: 401 for what is not signed
    ],
)
async def test_a_webhook_body_that_is_not_the_gzip_it_claims_is_refused_not_a_server_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, path: str, header: bytes, refused: int
) -> None:
    caplog.set_level(logging.INFO)
    secret = bot.app[RUNTIME].keys.token_for("telegram-webhook").encode()
    value = secret if path == "/telegram" else b"mac=" + b"0" * 64
    request = post(
        path,
        b'{"update_id": 1}',
        "application/json",
        header + b": " + value,
        b"Content-Encoding: gzip",
    )
    assert await raw(bot.client, request) == refused
    assert tracebacks(caplog) == []
