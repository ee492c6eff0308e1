"""Two `regbot serve` processes behind a (simulated) load balancer share Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from integrations.simulators import build_simulators_app, sample_people
from tests.e2e.conftest import subscriber
from tests.e2e.stories import ROOT, free_port, option, serve_env, start_serve, stop

PASSWORD = "Hai*Tien#2024"


@pytest.fixture
async def simulators() -> AsyncIterator[str]:
    """The SMS gateway and carrier register, run by the test (the 'outside world')."""
    server = TestServer(build_simulators_app(samples=sample_people()), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_one_ussd_registration_served_alternately_by_two_processes_completes_once(
    tmp_path: Path, redis_url: str, fresh_database: str, simulators: str
) -> None:
    caller = f"+8491{random.randrange(10**7):07d}"
    id_number = f"001090{random.randrange(10**6):06d}"
    async with aiohttp.ClientSession() as http:
        owner = subscriber(caller, id_number, "Lê Văn Hải", "1990-05-17")
        async with http.post(f"{simulators}/carrier/subscribers", json=owner) as response:
            assert response.status == 201
        env = serve_env(
            tmp_path,
            REDIS_URL=redis_url,
            DATABASE_URL=fresh_database,
            SMS_URL=f"{simulators}/sms",
            CARRIER_URL=f"{simulators}/carrier",
            BHXH_URL=f"{simulators}/bhxh",
        )
        servers = [
            await start_serve(env, tmp_path / "a.log"),
            await start_serve(env, tmp_path / "b.log"),
        ]
        try:
            session_id = f"ATUid_{uuid.uuid4().hex}"
            inputs: list[str] = []
            screens: list[str] = []

            async def press(text: str | None) -> str:
                if text is not None:
                    inputs.append(text)
                server = servers[len(screens) % 2]  # round robin
                form = {
                    "sessionId": session_id,
                    "serviceCode": "*123#",
                    "phoneNumber": caller,
                    "text": "*".join(inputs),
                }
                async with http.post(server.url + "/ussd", data=form) as response:
                    assert response.status == 200
                    screens.append(await response.text())
                return screens[-1]

            async def code() -> str:
                async with http.get(f"{simulators}/sms/outbox", params={"to": caller}) as response:
                    texts = [m["text"] for m in await response.json()]
                assert len(texts) == 1, texts  # one SMS, whichever process sent it
                return re.findall(r"\b\d{6}\b", texts[0])[0]

            await press(None)
            for answer in ("Cong dan", "Thue bao di dong"):
                await press(option(screens[-1], answer))
            for answer in ("Le Van Hai", "17/05/1990", id_number):
                await press(answer)
            for answer in ("Dung so", "Bo qua"):
                await press(option(screens[-1], answer))
            assert "Le Van Hai" in screens[-1]
            await press(option(screens[-1], "Xac nhan"))  # the carrier is asked, an SMS goes out
            assert await press(None) == screens[-1]  # a retry on the other process
            await press(await code())
            await press(PASSWORD)
            done = await press(PASSWORD)
            assert done.startswith("END Dang ky thanh cong"), screens
            assert await press(None) == done  # the retry on the other process: same END
        finally:
            for server in servers:
                assert stop(server) == 0

    db = await asyncpg.connect(fresh_database.replace("+asyncpg", ""))
    try:
        assert await db.fetchval("SELECT count(*) FROM accounts") == 1
    finally:
        await db.close()
    logs = "".join(server.log() for server in servers)
    assert logs.count('"channel":"ussd"') >= len(screens) - 2  # both processes took turns
    assert all(server.log().count('"event":"turn"') > 2 for server in servers)
    redis = Redis.from_url(redis_url)
    try:
        national = "0" + caller[3:]
        for number in (caller, caller[1:], national):  # no key names the caller in clear
            assert [key async for key in redis.scan_iter(match=f"*{number}*")] == []
    finally:
        await redis.aclose()


async def test_serve_with_two_workers_runs_two_processes_on_one_port(
    tmp_path: Path, redis_url: str, fresh_database: str, simulators: str
) -> None:
    env = serve_env(
        tmp_path,
        REDIS_URL=redis_url,
        DATABASE_URL=fresh_database,
        SMS_URL=f"{simulators}/sms",
        CARRIER_URL=f"{simulators}/carrier",
        BHXH_URL=f"{simulators}/bhxh",
        MSSP_URL=f"{simulators}/mssp",
    )
    served = await start_serve(env, tmp_path / "workers.log", None, "--workers", "2")
    try:
        pid = served.process.pid
        children = await asyncio.to_thread(
            subprocess.run, ["pgrep", "-P", str(pid)], capture_output=True, text=True
        )
        assert len(children.stdout.split()) == 2
        async with aiohttp.ClientSession() as http:
            for _ in range(10):
                async with http.get(served.url + "/healthz") as response:
                    assert response.status == 200
    finally:
        assert stop(served) == 0


def test_two_workers_without_shared_state_refuse_to_start(tmp_path: Path) -> None:
    """Memory state and in-process simulators are per process: refuse, and say why."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port()), "--workers", "2"],
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


async def test_a_turn_in_flight_finishes_when_the_service_is_stopped(
    tmp_path: Path, redis_url: str, fresh_database: str, simulators: str
) -> None:
    """SIGTERM while the carrier is slow to answer: the person still gets the OTP screen."""
    caller = f"+84912{random.randrange(10**6):06d}"
    id_number = f"001090{caller[-6:]}"
    env = serve_env(
        tmp_path,
        REDIS_URL=redis_url,
        DATABASE_URL=fresh_database,
        SMS_URL=f"{simulators}/sms",
        CARRIER_URL=f"{simulators}/carrier",
        BHXH_URL=f"{simulators}/bhxh",
    )
    served = await start_serve(env, tmp_path / "stop.log")
    async with aiohttp.ClientSession() as http:
        subscriber = {
            "msisdn": caller,
            "carrier": "Viettel",
            "owner_registered": True,
            "owner": {
                "id_number": id_number,
                "full_name": "Lê Văn Hải",
                "date_of_birth": "1990-05-17",
            },
        }
        await http.post(f"{simulators}/carrier/subscribers", json=subscriber)
        inputs: list[str] = []

        async def press(text: str | None) -> str:
            if text is not None:
                inputs.append(text)
            form = {
                "sessionId": "stop-1",
                "serviceCode": "*123#",
                "phoneNumber": caller,
                "text": "*".join(inputs),
            }
            async with http.post(served.url + "/ussd", data=form) as response:
                assert response.status == 200
                return await response.text()

        screen = await press(None)
        for answer in ("Cong dan", "Thue bao di dong"):
            screen = await press(option(screen, answer))
        for answer in ("Le Van Hai", "17/05/1990", id_number):
            screen = await press(answer)
        for answer in ("Dung so", "Bo qua"):
            screen = await press(option(screen, answer))
        await http.post(f"{simulators}/carrier/faults", json={"delay": 2, "count": 1})
        confirm = asyncio.create_task(press(option(screen, "Xac nhan")))
        await asyncio.sleep(0.5)  # the turn is waiting for the carrier
        served.process.send_signal(signal.SIGTERM)
        screen = await confirm
    assert "OTP" in screen  # the turn finished and answered
    assert await asyncio.to_thread(served.process.wait, 30) == 0
