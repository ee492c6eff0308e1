"""Two regbot workers behind a (simulated) load balancer, sharing the real Redis: Zalo
delivers each webhook to either. A retried delivery is applied once, one person's burst
is applied in order, an access token that expires mid-registration is refreshed once -
by one worker, the other using the pair it stored - and no log line holds a token, a
secret, the password, the OTP, the ID number or the phone."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.accounts.model import AccountKind
from bot.channels.zalo.simulator import ZaloSimState, zalo_simulator
from bot.channels.zalo.webhook import ZALO
from bot.web.app import RUNTIME
from integrations.simulators import build_simulators_app, sample_people
from tests.e2e.conftest import BotHarness, make_harness
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    APP_ID,
    PasswordPage,
    browser_fixture,
    numbered,
    payloads,
    secret_link,
    text_of,
    zalo_settings,
)

PASSWORD = "Hai*Tien#2024"
OA_SECRET, APP_SECRET = "oa-secret-9f3c2a7e", "app-secret-5d1b8c4f"


@dataclasses.dataclass
class TwoWorkers:
    workers: tuple[BotHarness, BotHarness]
    zalo: ZaloSimState
    sim_url: str  # the Zalo simulator's control API
    others_url: str  # SMS, carrier, BHXH simulators
    http: aiohttp.ClientSession

    async def settle(self) -> None:
        for _ in range(3):
            for worker in self.workers:
                await worker.app[ZALO].settle()
                await worker.app[RUNTIME].resumes.settle()
                await worker.settle()

    async def send(self, user: str, body: dict[str, Any]) -> int:
        async with self.http.post(f"{self.sim_url}/users/{user}/send", json=body) as response:
            return int((await response.json())["status"])

    async def say(self, user: str, text: str) -> list[dict[str, Any]]:
        before = len(self.zalo.inboxes[user])
        assert await self.send(user, {"text": text}) == 200
        await self.settle()
        return self.zalo.inboxes[user][before:]

    async def otp(self, e164: str) -> str:
        await self.settle()
        async with self.http.get(f"{self.others_url}/sms/outbox", params={"to": e164}) as reply:
            texts = [item["text"] for item in await reply.json()]
        found = re.search(r"\b(\d{6})\b", texts[-1])
        assert found
        return found.group(1)


@pytest.fixture
async def two_workers(tmp_path: Path, redis_url: str) -> AsyncIterator[TwoWorkers]:
    first_access, first_refresh = f"access-{uuid.uuid4().hex}", f"refresh-{uuid.uuid4().hex}"
    state = ZaloSimState(
        APP_ID,
        OA_SECRET,
        APP_SECRET,
        webhook_urls=[],
        access_tokens={first_access},
        refresh_tokens={first_refresh},
    )
    zalo_root, others_root = web.Application(), web.Application()
    zalo_root.add_subapp("/sim/zalo", zalo_simulator(state))
    others_root.add_subapp("/sim", build_simulators_app(samples=sample_people()))
    zalo_server = TestServer(zalo_root, host="127.0.0.1")
    others_server = TestServer(others_root, host="127.0.0.1")
    await zalo_server.start_server()
    await others_server.start_server()
    sim_url = str(zalo_server.make_url("/sim/zalo"))
    others = str(others_server.make_url("/sim"))
    settings = zalo_settings(
        tmp_path,
        redis_url=redis_url,
        # a secret of this run, shared by its two workers: the hashed counter keys (codes
        # per phone, ...) cannot meet those of earlier or parallel runs on the same Redis
        secret_key=f"test-secret-{uuid.uuid4().hex}",
        system_urls={name: f"{others}/{name}" for name in ("sms", "carrier", "bhxh")},
        zalo_oa_secret_key=OA_SECRET,
        zalo_app_secret=APP_SECRET,
        zalo_access_token=first_access,
        zalo_refresh_token=first_refresh,
        zalo_api_url=sim_url,
        zalo_oauth_url=sim_url,
    )
    try:
        async with (
            make_harness(settings) as one,
            make_harness(settings) as two,
            aiohttp.ClientSession() as http,
        ):
            assert "/sim/zalo" not in str(one.app.router.resources())  # ZALO_API_URL is set
            state.webhook_urls += [
                str(one.client.make_url("/zalo")),
                str(two.client.make_url("/zalo")),
            ]
            yield TwoWorkers((one, two), state, sim_url, others, http)
    finally:
        await zalo_server.close()
        await others_server.close()


async def test_two_workers_refresh_an_expired_token_once_and_nothing_secret_is_logged(
    two_workers: TwoWorkers, browser: PasswordPage, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    world = two_workers
    an, binh = f"an-{uuid.uuid4().hex[:8]}", f"binh-{uuid.uuid4().hex[:8]}"
    first = await world.say(an, "/start")
    await world.say(an, numbered(first, "Công dân"))
    await world.say(an, "mobile")
    for text in ("Nguyễn Văn An", "17/05/1990"):
        await world.say(an, text)

    async with world.http.post(f"{world.sim_url}/expire-token") as response:
        assert response.status == 200
    # two people write at once, each reaching another worker: both meet -216
    statuses = await asyncio.gather(
        world.send(an, {"text": "001090012345"}), world.send(binh, {"event": "follow"})
    )
    assert statuses == [200, 200]
    await world.settle()
    assert world.zalo.rejected_tokens == 2  # both workers met the expired token
    assert world.zalo.refreshes == 1  # one worker refreshed; the other took the stored pair
    assert "Bạn đăng ký tài khoản" in text_of(world.zalo.inboxes[binh])
    assert (
        "0912345678" not in str(world.zalo.inboxes[an])
        and "số điện thoại" in text_of(world.zalo.inboxes[an][-2:]).lower()
    )

    await world.say(an, "0912345678")
    await world.say(an, "skip")
    await world.say(an, "confirm")
    code = await world.otp("+84912345678")
    url = secret_link(await world.say(an, code))
    status, page = await browser.set_password(url, PASSWORD)
    assert status == 200, page
    await world.settle()
    assert "Đăng ký thành công" in text_of(world.zalo.inboxes[an][-1:])
    account = await world.workers[0].accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None and account.method == "mobile"
    assert world.zalo.refreshes == 1

    secrets = {
        *world.zalo.access_tokens,
        *world.zalo.refresh_tokens,
        *(f"{t}" for t in ("sim-access-", "sim-refresh-")),
        OA_SECRET,
        APP_SECRET,
        PASSWORD,
        code,
        "001090012345",
        "0912345678",
        "84912345678",
        "912345678",
        url.rsplit("/", 1)[1],
    }
    lines = [
        record.getMessage() + (record.exc_text or "")
        for record in caplog.records
        if record.name != "aiohttp.access"  # `regbot serve` turns access logs off
    ]
    assert any("refreshed" in line for line in lines)
    for line in lines:
        for secret in secrets:
            assert secret not in line, (secret, line)


async def test_a_burst_and_a_retry_spread_over_two_workers_apply_once_and_in_order(
    two_workers: TwoWorkers,
):
    world = two_workers
    user = f"fast-{uuid.uuid4().hex[:8]}"
    await world.say(user, "/start")
    names = "An Bình Cường Dũng Giang Hải Khoa Long Minh Nam Phúc Quang Sơn Tùng".split()
    burst = ["1", "mobile"] + [t for name in names for t in (f"Nguyễn Văn {name}", "0")]
    before = len(world.zalo.inboxes[user])
    for text in burst:  # every other one reaches the other worker
        assert await world.send(user, {"text": text}) == 200
    async with world.http.post(f"{world.sim_url}/users/{user}/redeliver") as response:
        assert (await response.json())["status"] == 200  # the last one, again
    await world.settle()
    answers = world.zalo.inboxes[user][before:]
    assert len(answers) == 31  # the six methods' buttons take two messages
    kept = [b["title"] for a in answers[4::2] for b in a["buttons"] if "Nguyễn Văn" in b["title"]]
    assert kept == [f"Giữ nguyên: Nguyễn Văn {name}" for name in names]
    assert payloads(answers[-1:])[-1] == "nav:cancel"
