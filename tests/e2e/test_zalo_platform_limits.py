"""Zalo under the platform's rules, the parts the first stories left out: the access and
refresh tokens are kept encrypted in the shared store (real Redis), a burst for one OA is
sent at the configured rate with nothing lost or sent twice, files, gifs and voice
messages get the polite "text only" answer while the dialog stays, and `00` (home) and
`/huy` (cancel) typed in the chat work. Driven through the Zalo simulator over HTTP."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import math
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.channels.zalo.simulator import ZALO_SIM, ZaloSimState
from bot.config import ConfigError, Settings
from tests.e2e.conftest import make_harness, redis_left_clean
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    ZaloWorld,
    buttons,
    payloads,
    text_of,
    zalo_fixture,
    zalo_settings,
)


def simulated_zalo(app: web.Application) -> ZaloSimState:
    """The Zalo simulator's state, found among the app's mounted sub-apps."""
    for resource in app.router.resources():
        sub = resource.get_info().get("app")
        if not isinstance(sub, web.Application):
            continue
        if ZALO_SIM in sub:
            return sub[ZALO_SIM]
        try:
            return simulated_zalo(sub)
        except LookupError:
            continue
    raise LookupError("no Zalo simulator mounted")


# -- the token pair in the shared store --------------------------------------------------


async def test_the_refreshed_token_pair_is_stored_encrypted_in_the_shared_store(
    tmp_path: Path, redis_url: str
):
    app_id = f"app-{uuid.uuid4().hex[:12]}"  # the store key names the OA: this test's own
    first = (f"access-{uuid.uuid4().hex}", f"refresh-{uuid.uuid4().hex}")
    settings = dataclasses.replace(
        zalo_settings(
            tmp_path,
            redis_url=redis_url,
            secret_key=f"test-secret-{uuid.uuid4().hex}",
            zalo_access_token=first[0],
            zalo_refresh_token=first[1],
        ),
        zalo_app_id=app_id,
    )
    async with redis_left_clean(redis_url) as redis, make_harness(settings) as bot:
        zalo = ZaloWorld(bot)
        await zalo.event("tk", "follow")
        assert await (await bot.client.post("/sim/zalo/expire-token")).json() == {"expired": True}
        assert "Chọn phương thức" in text_of(await zalo.say("tk", "1"))  # refreshed, answered
        sim = simulated_zalo(bot.app)
        assert sim.refreshes == 1
        [access] = sim.access_tokens
        [refresh] = sim.refresh_tokens
        raw = await redis.get(f"regbot:state:zalo:tokens:{app_id}")
        assert raw is not None, "the new pair is not in the shared store"
        opened = base64.urlsafe_b64decode(raw)  # what an encoding alone would have shown
        for token in (access, refresh, *first):
            assert token.encode() not in raw and token.encode() not in opened, token
            assert base64.b64encode(token.encode())[:16] not in raw
        assert 90 * 86400 < await redis.ttl(f"regbot:state:zalo:tokens:{app_id}")
        # the stored pair is the one in use: no second refresh, nothing refused again
        rejected = sim.rejected_tokens
        assert "Nhập họ và tên" in text_of(await zalo.tap("tk", "mobile"))
        assert (sim.refreshes, sim.rejected_tokens) == (1, rejected)


# -- the send rate -------------------------------------------------------------------------

RATE = 4  # ZALO_SENDS_PER_SECOND for this story: low, so a small burst must wait


def test_the_send_rate_is_read_from_the_environment_and_must_be_at_least_one():
    assert Settings.from_env({}).zalo_sends_per_second == 20
    assert Settings.from_env({"ZALO_SENDS_PER_SECOND": "5"}).zalo_sends_per_second == 5
    with pytest.raises(ConfigError, match="ZALO_SENDS_PER_SECOND"):
        Settings.from_env({"ZALO_SENDS_PER_SECOND": "0"}).check()
    with pytest.raises(ConfigError, match="ZALO_SENDS_PER_SECOND"):
        Settings.from_env({"ZALO_SENDS_PER_SECOND": "fast"})


@pytest.fixture
async def slow_oa(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async with make_harness(zalo_settings(tmp_path, zalo_sends_per_second=RATE)) as bot:
        yield ZaloWorld(bot)


NAMES = ("An", "Bình")


async def test_a_burst_for_one_oa_is_paced_at_the_configured_rate_and_nothing_lost(
    slow_oa: ZaloWorld,
):
    """Three people each type a burst; every answer arrives once, in each person's order,
    and the OA's messages are spread over the seconds the rate asks for."""
    zalo, people = slow_oa, ("p1", "p2", "p3")
    burst = ["1", "mobile"] + [t for name in NAMES for t in (f"Nguyễn Văn {name}", "0")]

    async def one(person: str) -> None:
        assert (await zalo.deliver(person, {"event": "follow"}))["status"] == 200
        for text in burst:  # each acknowledged at once; the turns and sends run behind
            assert (await zalo.deliver(person, {"text": text}))["status"] == 200

    async with asyncio.timeout(60):  # generous: 27 messages at 4 a second take about 7 s
        await asyncio.gather(*(one(p) for p in people))
        await zalo.settle()
    inboxes = {p: await zalo.inbox(p) for p in people}
    for person, inbox in inboxes.items():
        # one answer per event, none lost; the first screen's and the methods' six
        # buttons take two messages each
        assert len(inbox) == 1 + len(burst) + 2, person
        assert "Bạn đăng ký tài khoản" in inbox[0]["text"]
        kept = [title for a in inbox[6::2] for title, _ in buttons([a]) if "Nguyễn Văn" in title]
        assert kept == [f"Giữ nguyên: Nguyễn Văn {name}" for name in NAMES], person  # in order
    sent = sorted(m["at"] for inbox in inboxes.values() for m in inbox)
    ids = [m["message_id"] for inbox in inboxes.values() for m in inbox]
    assert len(set(ids)) == len(ids) == 27  # none sent twice
    # 21 sends at 4 a second need 6 one-second windows: at least 4 s from first to last
    windows = math.ceil(len(sent) / RATE)
    assert sent[-1] - sent[0] >= windows - 2 - 0.5
    # fixed windows: no moving second ever carries more than two windows' worth
    busiest = max(sum(1 for t in sent if start <= t < start + 1) for start in sent)
    assert busiest <= 2 * RATE, busiest


# -- media, and the typed ways home and out ------------------------------------------------


async def at_date_of_birth(zalo: ZaloWorld, user: str) -> None:
    await zalo.event(user, "follow")
    await zalo.say(user, "1")
    await zalo.tap(user, "mobile")
    assert "ngày sinh" in text_of(await zalo.say(user, "Nguyễn Văn An")).lower()


async def test_a_file_a_gif_and_a_voice_message_get_a_polite_answer_and_the_dialog_stays(
    zalo: ZaloWorld,
):
    await at_date_of_birth(zalo, "md")
    for kind in ("user_send_file", "user_send_gif", "user_send_audio"):
        answer = await zalo.event("md", kind)
        assert len(answer) == 1, kind
        polite = text_of(answer)
        assert "chỉ đọc được tin nhắn chữ" in polite and "ngày sinh" in polite.lower(), kind
        assert payloads(answer) == ["nav:back", "nav:help", "nav:cancel"], kind
    assert "CCCD" in text_of(await zalo.say("md", "17/05/1990"))  # went on from there


async def test_00_typed_goes_home_and_huy_typed_cancels(zalo: ZaloWorld):
    await at_date_of_birth(zalo, "nav")
    home = await zalo.say("nav", "00")
    assert "Bạn đăng ký tài khoản với tư cách nào?" in text_of(home)
    assert "ngày sinh" not in text_of(home).lower()
    await zalo.say("nav", "1")
    again = await zalo.tap("nav", "mobile")
    assert "Nhập họ và tên" in text_of(again)
    assert "Nguyễn Văn An" not in str(buttons(again))  # home forgot what was typed

    await zalo.say("nav", "Trần Thị Bình")
    cancelled = await zalo.say("nav", "/huy")
    assert "đã được xóa" in text_of(cancelled) and buttons(cancelled) == []
    fresh = await zalo.say("nav", "xin chào")  # a new conversation from the first screen
    assert "Bạn đăng ký tài khoản với tư cách nào?" in text_of(fresh)
    await zalo.say("nav", "1")
    name_step = await zalo.tap("nav", "mobile")
    assert "Trần Thị Bình" not in str(name_step)
