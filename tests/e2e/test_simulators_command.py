"""`regbot simulators` serves the outside world on its own; `regbot serve` uses it through
the `*_URL` settings, as a benchmark or a partner testing an integration runs them."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.e2e.conftest import subscriber
from tests.e2e.stories import ROOT, free_port, serve_env, start_serve, stop

CALLER, ID_NUMBER = "+84912777001", "001090777001"
PASSWORD = "Hai*Tien#2024"


def spawn_simulators(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    with (tmp_path / "sims.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "simulators", "--port", str(port), "--empty", *extra],
            env=serve_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


@pytest.fixture
async def simulators(tmp_path: Path) -> AsyncIterator[str]:
    """`regbot simulators --empty` as a process of its own; yields its base URL."""
    port = free_port()
    process = spawn_simulators(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await until_healthy(process, base, tmp_path)
        yield base
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


async def until_healthy(process: subprocess.Popen[bytes], base: str, tmp_path: Path) -> None:
    """Wait until the simulators answer /healthz (they log to `tmp_path/sims.log`)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            assert process.poll() is None, (tmp_path / "sims.log").read_text()
            try:
                async with http.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)


async def test_regbot_registers_a_caller_through_the_simulators_served_on_their_own(
    tmp_path: Path, simulators: str, fresh_database: str
) -> None:
    sim = f"{simulators}/sim"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim}/carrier/subscribers/{CALLER}") as response:
            assert response.status == 404  # --empty: nobody until the test adds them
        owner = subscriber(CALLER, ID_NUMBER, "Le Van Hai", "1990-05-17")
        async with http.post(f"{sim}/carrier/subscribers", json=owner) as response:
            assert response.status == 201
        async with http.get(f"{sim}/pki/ca.pem") as response:
            anchor = await response.text()
        env = serve_env(
            tmp_path,
            DATABASE_URL=fresh_database,
            SMS_URL=f"{sim}/sms",
            CARRIER_URL=f"{sim}/carrier",
            BHXH_URL=f"{sim}/bhxh",
            MSSP_URL=f"{sim}/mssp",
            PKI_TRUST_ANCHORS=anchor,
        )
        served = await start_serve(env, tmp_path / "serve.log")
        try:
            async with http.get(f"{served.url}/sim/sms/outbox") as response:
                assert response.status == 404  # regbot mounts no simulator of its own
            session, inputs = f"ATUid_{uuid.uuid4().hex}", []

            async def press(text: str | None) -> str:
                if text is not None:
                    inputs.append(text)
                form = {
                    "sessionId": session,
                    "serviceCode": "*123#",
                    "phoneNumber": CALLER,
                    "text": "*".join(inputs),
                }
                async with http.post(f"{served.url}/ussd", data=form) as response:
                    assert response.status == 200
                    return await response.text()

            await press(None)
            for answer in ("1", "1", "Le Van Hai", "17/05/1990", ID_NUMBER, "1", "1", "1"):
                screen = await press(answer)
            assert "OTP" in screen
            async with http.get(f"{sim}/sms/outbox", params={"to": CALLER}) as response:
                [sms] = [item["text"] for item in await response.json()]
            await press(re.findall(r"\b\d{6}\b", sms)[0])
            await press(PASSWORD)
            assert (await press(PASSWORD)).startswith("END Dang ky thanh cong")
        finally:
            assert stop(served) == 0
    db = await asyncpg.connect(fresh_database.replace("+asyncpg", ""))
    try:
        row = await db.fetchrow("SELECT verification_level, method FROM accounts")
        assert (row["verification_level"], row["method"]) == (2, "mobile")
    finally:
        await db.close()


def test_the_simulators_refuse_to_run_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "simulators", "--port", str(free_port())],
        env=serve_env(tmp_path, REGBOT_ENV="production"),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "refuses to run the simulators" in result.stderr


async def test_a_zalo_user_reaches_regbot_through_the_simulators_served_on_their_own(
    tmp_path: Path,
) -> None:
    """CONTRACTS, "Simulator control": `regbot simulators` "serves the same `/sim/...`
    apps on their own", among them `POST /sim/zalo/users/{user_id}/send` ("the Zalo
    simulator delivers it as a signed webhook to regbot's `/zalo`"), `GET
    /sim/zalo/users/{user_id}/inbox` and `POST /sim/zalo/expire-token`; regbot uses them
    through `ZALO_API_URL` and `ZALO_OAUTH_URL`. A partner's Zalo user follows the OA,
    is greeted, and is still answered after the access token stops working; regbot is
    set up with the Zalo settings the simulators print."""
    regbot_port, sims_port = free_port(), free_port()
    sim = f"http://127.0.0.1:{sims_port}/sim"
    process = spawn_simulators(
        tmp_path, sims_port, "--zalo-webhook", f"http://127.0.0.1:{regbot_port}/zalo"
    )
    try:
        await until_healthy(process, f"http://127.0.0.1:{sims_port}", tmp_path)
        advice = (tmp_path / "sims.log").read_text()
        zalo = dict(re.findall(r"(ZALO_[A-Z_]+)=(\S+)", advice))
        assert zalo.keys() == {"ZALO_APP_ID", "ZALO_API_URL", "ZALO_OAUTH_URL"}, advice
        env = serve_env(
            tmp_path,
            SMS_URL=f"{sim}/sms",
            CARRIER_URL=f"{sim}/carrier",
            BHXH_URL=f"{sim}/bhxh",
            MSSP_URL=f"{sim}/mssp",
            **zalo,
        )
        served = await start_serve(env, tmp_path / "serve.log", regbot_port)
        try:
            async with aiohttp.ClientSession() as http:
                inbox = f"{sim}/zalo/users/partner-user/inbox"

                async def received(count: int) -> list[dict[str, object]]:
                    for _ in range(200):
                        async with http.get(inbox) as response:
                            assert response.status == 200
                            messages: list[dict[str, object]] = await response.json()
                        if len(messages) >= count:
                            return messages
                        await asyncio.sleep(0.05)
                    raise AssertionError(f"no answer from regbot:\n{served.log()}")

                send = f"{sim}/zalo/users/partner-user/send"
                async with http.post(send, json={"event": "follow"}) as response:
                    assert response.status == 200
                    assert (await response.json())["delivered"] is True
                greeting = (await received(2))[0]  # six options: five buttons, then one
                assert "Công dân" in str(greeting["text"])
                async with http.post(f"{sim}/zalo/expire-token") as response:
                    assert response.status == 200
                async with http.post(send, json={"text": "1"}) as response:
                    assert (await response.json())["delivered"] is True
                answer = (await received(3))[2]
                assert "Thuê bao di động" in str(answer["text"])
        finally:
            assert stop(served) == 0
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


async def test_a_zalo_event_sent_while_regbot_is_not_running_is_reported_undelivered(
    tmp_path: Path,
) -> None:
    """A partner who makes a simulated Zalo user speak before starting regbot (the
    webhook target does not answer) is told, in the control API's `{"error": ...}` shape,
    that nothing was delivered - not a 500 - and can send again once regbot runs."""
    sims_port, nobody = free_port(), free_port()
    process = spawn_simulators(
        tmp_path, sims_port, "--zalo-webhook", f"http://127.0.0.1:{nobody}/zalo"
    )
    try:
        await until_healthy(process, f"http://127.0.0.1:{sims_port}", tmp_path)
        send = f"http://127.0.0.1:{sims_port}/sim/zalo/users/early-user/send"
        async with aiohttp.ClientSession() as http:
            async with http.post(send, json={"text": "xin chào"}) as response:
                answer = await response.json()
                assert response.status == 502
            assert answer["delivered"] is False
            assert f"127.0.0.1:{nobody}/zalo" in answer["error"]
            async with http.post(send, json={"event": "follow"}) as response:
                assert response.status == 502  # the simulator still serves
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


async def test_a_partner_on_another_machine_reaches_the_simulators_only_when_opened(
    tmp_path: Path,
) -> None:
    """By default the simulators hand nothing to another machine (404: they give out every
    OTP); `--open` serves a test network's partners. A request relayed by a proxy stands
    in for one from elsewhere, as the guard reads it."""
    elsewhere = {"X-Forwarded-For": "198.51.100.7"}
    for flags, status in (((), 404), (("--open",), 200)):
        port = free_port()
        process = spawn_simulators(tmp_path, port, "--host", "0.0.0.0", *flags)
        base = f"http://127.0.0.1:{port}"
        try:
            await until_healthy(process, base, tmp_path)
            async with aiohttp.ClientSession() as http:
                url = f"{base}/sim/sms/outbox?to=%2B84912777001"
                async with http.get(url, headers=elsewhere) as response:
                    assert response.status == status
                async with http.get(url) as response:
                    assert response.status == 200  # this machine, either way
        finally:
            process.terminate()
            assert process.wait(timeout=20) == 0
        said = (tmp_path / "sims.log").read_text()
        assert ("--open: any machine" in said) is bool(flags)
        assert ("other machines get 404 unless --open" in said) is not bool(flags)
