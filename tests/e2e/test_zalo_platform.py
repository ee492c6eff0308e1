"""Zalo under the platform's rules, over real HTTP: signed webhooks only, acknowledged at
once and applied after, a retried delivery applied once, a burst applied and answered in
order, buttons at most five, stickers, contact sharing, sends retried on 5xx, a token
refresh that fails, and the `/secret` password page's refusals."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.accounts.model import AccountKind
from bot.channels.zalo.config import DEV_OA_SECRET_KEY
from bot.channels.zalo.events import EVENT_MAX_AHEAD, SIGNATURE_HEADER, mac
from bot.channels.zalo.webhook import ZALO
from bot.config import ZALO_EVENT_WINDOW, ConfigError, Settings
from bot.web.app import RUNTIME, Wiring, create_app
from tests.e2e.conftest import make_harness
from tests.e2e.stories import PASSWORD
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    APP_ID,
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    buttons,
    payloads,
    secret_link,
    text_of,
    zalo_fixture,
    zalo_settings,
    zalo_timestamp,
)

WINDOW = ZALO_EVENT_WINDOW


def aiohttp_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


async def post_event(zalo: ZaloWorld, event: dict, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    body = json.dumps(event).encode()
    response = await zalo.bot.client.post("/zalo", data=body, headers=headers)
    return response.status


def text_event(user: str, text: str, timestamp: str, msg_id: str = "m-1") -> dict:
    return {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": user},
        "recipient": {"id": "oa"},
        "message": {"msg_id": msg_id, "text": text},
    }


async def test_a_webhook_without_zalos_signature_is_refused_and_does_nothing(zalo: ZaloWorld):
    event = text_event("eve", "/start", zalo_timestamp(zalo.bot))  # current: only the mac fails
    body = json.dumps(event).encode()
    assert await post_event(zalo, event, None) == 401
    assert await post_event(zalo, event, "mac=" + "0" * 64) == 401
    forged = mac(APP_ID, body, event["timestamp"], "not-the-oa-secret")
    assert await post_event(zalo, event, f"mac={forged}") == 401
    assert await post_event(zalo, {"app_id": APP_ID}, "mac=00") == 401
    await zalo.settle()
    assert await zalo.inbox("eve") == []
    async with zalo.bot.engine.conversation("zalo", "eve") as convo:
        assert convo.record.dialog is None  # no turn ran


def signed(event: dict) -> str:
    body = json.dumps(event).encode()
    return "mac=" + mac(APP_ID, body, event["timestamp"], DEV_OA_SECRET_KEY)


async def test_in_production_a_signed_event_too_old_or_from_the_future_is_refused(
    tmp_path: Path,
):
    """The signature never expires, so in production its timestamp must be recent: a
    copied event sent again after the window is refused even once the inbox has forgotten
    its msg_id (the window production has by default, set here on the embedded world)."""
    settings = zalo_settings(tmp_path, zalo_event_max_age=ZALO_EVENT_WINDOW)
    async with make_harness(settings) as bot:
        zalo = ZaloWorld(bot)
        for seconds_ago, msg_id in ((WINDOW + 60, "old"), (-EVENT_MAX_AHEAD - 60, "ahead")):
            event = text_event("eve", "/start", zalo_timestamp(zalo.bot, seconds_ago), msg_id)
            assert await post_event(zalo, event, signed(event)) == 401
        await zalo.settle()
        assert await zalo.inbox("eve") == []
        async with zalo.bot.engine.conversation("zalo", "eve") as convo:
            assert convo.record.dialog is None  # no turn ran

        late = text_event("eve", "/start", zalo_timestamp(zalo.bot, WINDOW - 60), "late")
        assert await post_event(zalo, late, signed(late)) == 200  # a retry minutes late
        await zalo.settle()
        answered = await zalo.inbox("eve")
        assert "Công dân" in text_of(answered)

        engine, later = zalo.bot.engine, zalo.bot.engine.now() + timedelta(seconds=WINDOW)
        engine.clock = lambda: later
        person = engine.session_key("zalo", "eve")
        await zalo.bot.app[RUNTIME].store.delete(f"zalo:inbox:{person}")  # its TTL has passed
        assert await post_event(zalo, late, signed(late)) == 401  # the replay, out of the window
        await zalo.settle()
        assert await zalo.inbox("eve") == answered


async def test_the_contracts_own_example_event_is_answered_whatever_its_date(zalo: ZaloWorld):
    """Outside production only the signature is checked, as CONTRACTS says: its example
    event (timestamp 1764579600000, 2025-12-01) signed with the OA key gets the first
    screen, and the same msg_id delivered again is still applied once."""
    event = text_event("example", "/start", "1764579600000", "contract-example")
    assert await post_event(zalo, event, signed(event)) == 200
    await zalo.settle()
    first = await zalo.inbox("example")
    assert "Công dân" in text_of(first)
    assert await post_event(zalo, event, signed(event)) == 200  # Zalo's retry
    await zalo.settle()
    assert await zalo.inbox("example") == first


async def test_a_retried_delivery_is_applied_once(zalo: ZaloWorld):
    await zalo.event("dup", "follow")
    await zalo.pick("dup", "Công dân")
    await zalo.tap("dup", "mobile")
    await zalo.say("dup", "Nguyễn Văn An")  # -> date of birth
    before = len(await zalo.inbox("dup"))
    response = await zalo.bot.client.post("/sim/zalo/users/dup/redeliver")
    assert (await response.json())["status"] == 200  # acknowledged, as Zalo expects
    await zalo.settle()
    assert len(await zalo.inbox("dup")) == before  # no second turn, no second answer
    assert "ngày sinh" in text_of(await zalo.say("dup", "?")).lower()


NAMES = "An Bình Cường Dũng Giang Hải Khoa Long Minh Nam Phúc Quang Sơn Tùng".split()


async def test_thirty_messages_at_once_are_applied_and_answered_in_order(zalo: ZaloWorld):
    """Typed faster than the bot answers: each name, then 'back' - whose screen offers to
    keep the name just typed, so the answers show the order the turns ran in."""
    await zalo.event("fast", "follow")
    burst = ["1", "mobile"] + [t for name in NAMES for t in (f"Nguyễn Văn {name}", "0")]
    assert len(burst) == 30
    before = len(await zalo.inbox("fast"))
    for text in burst:  # each acknowledged at once; the turns run behind
        assert (await zalo.deliver("fast", {"text": text}))["status"] == 200
    await zalo.settle()
    answers = (await zalo.inbox("fast"))[before:]
    assert len(answers) == 31  # the six methods' buttons take two messages
    kept = [title for a in answers[4::2] for title, _ in buttons([a]) if "Nguyễn Văn" in title]
    assert kept == [f"Giữ nguyên: Nguyễn Văn {name}" for name in NAMES]


async def test_options_are_buttons_five_a_message_and_a_longer_menu_numbered_too(
    zalo: ZaloWorld,
):
    """Six options: numbered for typing, and every one still a button, five a message."""
    first = await zalo.event("menu", "follow")
    text = text_of(first)
    assert "1. Công dân" in text and "6. English" in text  # six options: numbered
    assert [len(m["buttons"]) for m in first] == [5, 3]
    assert payloads(first) == [
        *("citizen", "business", "official", "forgot", "other_ways", "language"),
        *("nav:help", "nav:cancel"),
    ]
    assert first[1]["text"] == "6. English"  # each message lists its own buttons
    assert buttons(first)[0][0] == "Công dân"  # tapped by its title, as a person would
    methods = await zalo.say("menu", "1")  # the typed number picks
    assert "6. Về màn hình đầu" in text_of(methods)  # six methods (Vietnam Post): numbered
    assert payloads(methods)[-4:] == ["home", "nav:back", "nav:help", "nav:cancel"]
    name_step = await zalo.tap("menu", "mobile")  # tapped like any button
    assert "họ và tên" in text_of(name_step).lower()
    assert payloads(name_step) == ["nav:back", "nav:help", "nav:cancel"]
    assert "Chọn phương thức" in text_of(await zalo.tap("menu", "nav:back"))
    assert "Công dân" in text_of(await zalo.say("menu", "?"))  # help, typed
    cancelled = await zalo.tap("menu", "nav:cancel")
    assert "đã được xóa" in text_of(cancelled) and buttons(cancelled) == []
    await zalo.say("menu", "hello")  # a new conversation
    kinds = await zalo.pick("menu", "Quên mật khẩu")  # five options: buttons
    assert payloads(kinds) == ["citizen", "business", "official", "other_ways", "home"]
    assert "Gõ 0 để quay lại" in text_of(kinds)  # the ways back, as words
    for message in await zalo.inbox("menu"):
        assert len(message["buttons"]) <= 5
        assert all(len(b["title"]) <= 100 for b in message["buttons"])


async def test_a_sticker_gets_a_polite_answer_and_the_dialog_stays(zalo: ZaloWorld):
    await zalo.event("st", "follow")
    await zalo.pick("st", "Công dân")
    await zalo.tap("st", "mobile")
    await zalo.say("st", "Nguyễn Văn An")
    for kind in ("user_send_sticker", "user_send_image", "user_send_location"):
        polite = text_of(await zalo.event("st", kind))
        assert "chỉ đọc được tin nhắn chữ" in polite and "ngày sinh" in polite.lower()
    assert "CCCD" in text_of(await zalo.say("st", "17/05/1990"))


async def test_a_shared_zalo_phone_is_offered_at_the_signing_sim_phone_step(zalo: ZaloWorld):
    await zalo.event("sh", "follow")
    await zalo.pick("sh", "Công dân")
    await zalo.share_phone("sh", "84912345678")  # not asked yet: kept, nothing else
    phone_step = await zalo.tap("sh", "sim")
    assert "use_caller" in payloads(phone_step)
    assert "09*****678" in str(buttons(phone_step))
    refused = await zalo.share_phone("sh", "not a phone")
    assert "số điện thoại" in text_of(refused).lower()


async def test_a_tester_sending_the_fault_switch_a_bad_body_is_told_what_it_takes(
    zalo: ZaloWorld,
):
    for body in (b"not json", b"[1]", b'{"send_failures": "many"}'):
        response = await zalo.bot.client.post("/sim/zalo/faults", data=body)
        assert response.status == 400
        assert "send_failures" in (await response.json())["error"]
    state = await (await zalo.bot.client.post("/sim/zalo/faults", json={})).json()
    assert state == {"send_failures": 0, "oauth_down": False}  # nothing was switched


async def test_a_send_that_fails_with_5xx_is_retried_and_delivered_once(zalo: ZaloWorld):
    response = await zalo.bot.client.post("/sim/zalo/faults", json={"send_failures": 2})
    assert response.status == 200
    first = await zalo.event("retry", "follow")
    assert len(first) == 2 and "Bạn đăng ký tài khoản" in first[0]["text"]  # six buttons
    assert first[1]["text"] == "6. English"


async def test_a_failed_token_refresh_loses_nothing_and_the_person_is_told_to_try_again(
    zalo: ZaloWorld, caplog
):
    await zalo.event("tok", "follow")
    await zalo.pick("tok", "Công dân")
    await zalo.tap("tok", "mobile")
    await zalo.say("tok", "Nguyễn Văn An")
    await zalo.bot.client.post("/sim/zalo/faults", json={"oauth_down": True})
    await zalo.bot.client.post("/sim/zalo/expire-token")
    assert await zalo.say("tok", "17/05/1990") == []  # nothing could be sent
    assert "token refresh failed" in caplog.text
    await zalo.bot.client.post("/sim/zalo/faults", json={"oauth_down": False})
    answer = text_of(await zalo.say("tok", "hello?"))
    assert "vui lòng thử lại sau" in answer  # told, and shown where they are
    assert "CCCD" in answer  # the date was kept: the step after it, not read as an answer
    assert "001090012345" not in answer and "hello?" not in answer
    assert "điện thoại" in text_of(await zalo.say("tok", "001090012345"))
    state = await (await zalo.bot.client.get("/sim/zalo/state")).json()
    assert state["refreshes"] == 1


async def to_password_step(zalo: ZaloWorld, user: str) -> list[dict]:
    await zalo.event(user, "follow")
    await zalo.pick(user, "Công dân")
    await zalo.tap(user, "mobile")
    for text in ("Nguyễn Văn An", "17/05/1990", "001090012345", "0912345678"):
        await zalo.say(user, text)
    await zalo.tap(user, "skip")
    await zalo.tap(user, "confirm")
    return await zalo.say(user, await zalo.bot.last_code("+84912345678"))


async def test_the_password_page_refuses_a_reused_an_expired_and_a_forged_post(
    zalo: ZaloWorld, browser: PasswordPage
):
    url = secret_link(await to_password_step(zalo, "pw"))
    status, page, csrf = await browser.open(url)
    assert status == 200 and "<script" not in page and "http" not in page.split("<body>")[1]
    async with browser.http.get(url) as response:
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"

    # CSRF: another site's form (no cookie, a wrong field, or its Origin) does nothing
    assert (await browser.submit(url, PASSWORD, PASSWORD, "0" * 64))[0] == 403
    status, _ = await browser.submit(url, PASSWORD, PASSWORD, csrf, Origin="https://evil.example")
    assert status == 403
    async with aiohttp_session() as stranger:
        async with stranger.post(url, data={"csrf": csrf, "password": PASSWORD}) as response:
            assert response.status == 403

    # the same rules and messages as in any chat
    status, page = await browser.submit(url, "short", "short", csrf)
    assert status == 422 and "8 ký tự" in page
    status, page = await browser.submit(url, PASSWORD, "Hoa-Sen#2025", csrf)
    assert status == 422 and "không khớp" in page
    assert await zalo.bot.accounts.find(AccountKind.CITIZEN, "001090012345") is None

    status, page = await browser.submit(url, PASSWORD, PASSWORD, csrf)
    assert status == 200
    await zalo.wait_for("pw", "Đăng ký thành công")
    status, page, _ = await browser.open(url)  # single use
    assert status == 409 and "đã được dùng" in page


async def test_a_password_typed_into_the_chat_is_refused_and_the_link_replaced(
    zalo: ZaloWorld, browser: PasswordPage
):
    old = secret_link(await to_password_step(zalo, "typed"))
    answer = await zalo.say("typed", PASSWORD)
    assert "Đừng gõ mật khẩu vào Zalo" in text_of(answer)
    new = secret_link(answer)
    assert new != old and (await browser.open(old))[0] == 409
    assert await zalo.bot.accounts.find(AccountKind.CITIZEN, "001090012345") is None
    channel = zalo.bot.app[ZALO]
    channel.secrets.clock = lambda: 10**11  # much later: the link has expired
    status, page, _ = await browser.open(new)
    assert status == 410 and "hết hạn" in page


def test_production_refuses_zalo_without_its_secrets_and_never_mounts_its_simulator(tmp_path):
    real: dict[str, Any] = {
        "env": "production",
        "secret_key": "pX3v9kQm2Lr8tWz4YbN6cJh1FgD7sAe5Ru0iOo",
        "redis_url": "redis://127.0.0.1:6379/4",
        "database_url": "postgresql+asyncpg://x@127.0.0.1/x",
        "system_urls": {name: "https://x.example" for name in ("sms", "carrier", "bhxh", "mssp")},
        "ussd_secret": "Ux7pQ2mV9sKd4Rw8Zt1Ny6Bh3Jc5Lf0GaE",
        "public_url": "https://dichvucong.example",
        "pki_trust_anchors": "/etc/regbot/anchors.pem",
        "pki_gov_trust_anchors": "/etc/regbot/gov-anchors.pem",
        "zalo_app_id": APP_ID,
    }
    try:
        Settings(**real).check()
    except ConfigError as refused:
        assert "ZALO_OA_SECRET_KEY" in str(refused) and "ZALO_REFRESH_TOKEN" in str(refused)
    else:
        raise AssertionError("production started without the OA's secrets")
    secrets: dict[str, Any] = {
        "zalo_oa_secret_key": "s",
        "zalo_app_secret": "a",
        "zalo_access_token": "t",
        "zalo_refresh_token": "r",
    }
    app = create_app(Settings(**real, **secrets), Wiring(self_url="http://127.0.0.1:1"))
    paths = [r.canonical for r in app.router.resources()]
    assert "/zalo" in paths and "/secret" in paths and not any(p.startswith("/sim") for p in paths)
    dev = dataclasses.replace(Settings(**real, **secrets), env="development")
    app = create_app(dev, Wiring(self_url="http://127.0.0.1:1"))
    assert "/sim" in [r.canonical for r in app.router.resources()]


async def test_a_success_message_zalo_failed_to_take_is_sent_again_a_moment_later(
    zalo: ZaloWorld, browser: PasswordPage
):
    await zalo.event("ok", "follow")
    await zalo.pick("ok", "Công dân")
    await zalo.tap("ok", "mobile")
    for typed in ("Nguyễn Văn An", "17/05/1990", "001090012345"):
        await zalo.say("ok", typed)
    await zalo.share_phone("ok", "84912345678")
    await zalo.tap("ok", "skip")
    await zalo.tap("ok", "confirm")
    url = secret_link(await zalo.say("ok", await zalo.bot.last_code("+84912345678")))
    faults = {"send_failures": 3}  # every try of the next message answers 500
    assert (await zalo.bot.client.post("/sim/zalo/faults", json=faults)).status == 200

    status, _ = await browser.set_password(url, PASSWORD)

    assert status == 200
    assert await zalo.bot.accounts.exists(AccountKind.CITIZEN, "001090012345")
    await zalo.wait_for("ok", "Đăng ký thành công")  # the chat hears it, without a word
