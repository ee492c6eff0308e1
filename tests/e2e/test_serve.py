"""`regbot serve` as an operator runs it: a real process, its health, metrics and logs."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stories import (
    CALLER,
    Served,
    free_port,
    regbot_once,
    serve_env,
    serve_once,
    start_serve,
    stop,
)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    server = await start_serve(serve_env(tmp_path), tmp_path / "serve.log")
    try:
        yield server
    finally:
        stop(server)


async def test_an_operator_serves_ussd_and_sees_health_metrics_and_clean_logs(
    tmp_path: Path,
) -> None:
    metrics_port = free_port()
    env = serve_env(tmp_path, REGBOT_METRICS_TOKEN="scraper-token")
    served = await start_serve(
        env, tmp_path / "serve.log", None, "--metrics-port", str(metrics_port)
    )
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    async with aiohttp.ClientSession() as http:
        form = {"sessionId": "op-1", "serviceCode": "*123#", "phoneNumber": CALLER, "text": ""}
        async with http.post(served.url + "/ussd", data=form) as response:
            assert response.status == 200
            assert (await response.text()).startswith("CON ")
        async with http.post(served.url + "/ussd", data={**form, "text": "1"}) as response:
            assert "Thue bao di dong" in await response.text()
        async with http.get(served.url + "/healthz") as response:
            assert response.status == 200
        async with http.get(served.url + "/metrics") as response:
            assert response.status == 401  # on the public port only with the token
        async with http.get(metrics_url) as response:
            metrics = await response.text()
            assert response.status == 200
    assert 'regbot_turns_total{channel="ussd",outcome="show"} 1.0' in metrics
    assert 'regbot_replies_total{step="start.methods_citizen"} 1.0' in metrics
    assert "regbot_turn_seconds_bucket" in metrics
    assert stop(served) == 0  # SIGTERM: a graceful exit
    log = served.log()
    turn_lines = [line for line in log.splitlines() if line.startswith('{"event":"turn"')]
    assert len(turn_lines) == 2
    assert '"channel":"ussd"' in turn_lines[1] and '"step":"start.methods_citizen"' in log
    assert "912345678" not in log  # no phone number in any log line


async def test_metrics_count_no_sms(tmp_path: Path) -> None:
    """An SMS counter moved only when a forgot-password request matched an account."""
    metrics_port = free_port()
    served = await start_serve(
        serve_env(tmp_path), tmp_path / "serve.log", None, "--metrics-port", str(metrics_port)
    )
    inputs = ["1", "1", "Nguyen Van An", "17051990", "001090012345", "1", "1", "1"]
    form = {"sessionId": "op-2", "serviceCode": "*123#", "phoneNumber": CALLER}
    try:
        async with aiohttp.ClientSession() as http:
            for typed in range(len(inputs) + 1):
                data = {**form, "text": "*".join(inputs[:typed])}
                async with http.post(served.url + "/ussd", data=data) as response:
                    screen = await response.text()
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                metrics = await response.text()
    finally:
        stop(served)
    assert "OTP" in screen  # a code went by SMS
    assert 'system="carrier"' in metrics  # the other systems are measured
    assert "sms" not in metrics


async def test_the_public_port_serves_metrics_in_development_as_the_contract_lists(
    served: Served,
) -> None:
    async with aiohttp.ClientSession() as http, http.get(served.url + "/metrics") as response:
        assert response.status == 200
        assert "regbot_turns" in await response.text()
        assert "sms" not in await response.text()


async def test_in_production_public_metrics_need_the_operators_token() -> None:
    """A stranger cannot read them; the operator's scraper sends REGBOT_METRICS_TOKEN, or
    scrapes `--metrics-port` on loopback."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.config import Settings
    from bot.metrics import Metrics, public_metrics_app

    closed = public_metrics_app(Metrics(), Settings(env="production"))
    async with TestClient(TestServer(closed)) as client:
        assert (await client.get("/")).status == 404
    token = "k8Rf2Wn5Tq9Lz3Vx7Bc1Hm4Pd6Jy0Gs2Ne"  # production refuses a short one
    guarded = public_metrics_app(Metrics(), Settings(env="production", metrics_token=token))
    async with TestClient(TestServer(guarded)) as client:
        assert (await client.get("/")).status == 401
        wrong = await client.get("/", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        right = await client.get("/", headers={"Authorization": f"Bearer {token}"})
        assert right.status == 200 and "regbot_turn_seconds" in await right.text()


def test_production_refuses_to_start_on_simulators_and_says_why(tmp_path: Path) -> None:
    env = serve_env(tmp_path, REGBOT_ENV="production")
    env.pop("REGBOT_SECRET_KEY")
    result = serve_once(env)
    assert result.returncode != 0
    assert "REGBOT_ENV=production refuses to start" in result.stderr
    assert "simulators would be mounted" in result.stderr
    assert "REGBOT_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("PKI_TRUST_ANCHORS", "/nowhere/anchors.pem", "PKI_TRUST_ANCHORS cannot be read"),
        ("PKI_GOV_TRUST_ANCHORS", "not a PEM bundle", "PKI_GOV_TRUST_ANCHORS cannot be read"),
        ("DATABASE_URL", "postgres-ql://nobody:pw@db/none", "DATABASE_URL is not a database"),
        ("DATABASE_URL", "nobody:pw@db:5432/none", "DATABASE_URL is not a database"),
        ("REDIS_URL", "nobody:pw@127.0.0.1:6379", "REDIS_URL is not a Redis address"),
        ("REGBOT_SECRET_KEY", "nobody-s-key", "REGBOT_SECRET_KEY must be at least 16"),
        ("REGBOT_ARGON2_MEMORY_KIB", "-5", "REGBOT_ARGON2_MEMORY_KIB must be at least 8"),
        ("REGBOT_ARGON2_TIME_COST", "0", "REGBOT_ARGON2_TIME_COST must be at least 1"),
        ("REGBOT_PASSWORD_THREADS", "-1", "REGBOT_PASSWORD_THREADS must be at least 0"),
    ],
)
def test_a_service_that_cannot_start_says_why_without_a_traceback(
    tmp_path: Path, setting: str, value: str, says: str
) -> None:
    result = serve_once(serve_env(tmp_path, **{setting: value}))
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "nobody" not in result.stderr  # no part of a database URL


def test_an_operator_told_a_port_that_cannot_be_used_gets_one_line_and_a_failure(
    tmp_path: Path,
) -> None:
    """A port taken by another service, out of range, or not a number: one line naming
    it, exit status 2, for the service, its metrics listener and the simulators."""
    env = serve_env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        for argv, says in [
            (("serve", "--port", busy), f"cannot listen: .*'127.0.0.1', {busy}.*already in use"),
            (("serve", "--port", str(free_port()), "--metrics-port", busy), "metrics port"),
            (("simulators", "--port", busy), "cannot listen: .*already in use"),
            (("serve", "--port", "80800"), "'80800' is not a port: use a number from 1 to"),
            (("simulators", "--port", "http"), "'http' is not a port"),
            (("serve", "--host", "regbot.invalid"), "--host is not an address of this machine"),
        ]:
            result = regbot_once(env, *argv)
            assert result.returncode == 2, (argv, result.stderr)
            assert re.search(says, result.stderr), (argv, result.stderr)
            assert "Traceback" not in result.stderr


def test_an_auditor_with_a_key_too_short_is_told_so_not_shown_a_traceback(tmp_path: Path) -> None:
    result = regbot_once(
        serve_env(tmp_path, REGBOT_SECRET_KEY="short"), "accounts", "verify", "--all"
    )
    assert result.returncode == 2
    said = result.stdout + result.stderr  # `accounts` reports on its standard output
    assert "REGBOT_SECRET_KEY must be at least 16 characters" in said
    assert "Traceback" not in said


def test_the_operator_commands_say_when_the_database_is_not_there(tmp_path: Path) -> None:
    env = serve_env(tmp_path, DATABASE_URL="postgresql+asyncpg://nobody:pw@127.0.0.1:1/none")
    for argv in (("agents", "list"), ("purge",)):
        result = regbot_once(env, *argv)
        assert result.returncode == 2
        assert "the accounts database does not answer" in result.stderr
        assert "Traceback" not in result.stderr and "nobody" not in result.stderr
