"""Stories: signing with a SIM, between regbot's client and the simulated signature service."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509

from integrations.errors import IntegrationUnavailable
from integrations.http import RetryPolicy
from pki_bridge import CertificateRefused
from pki_bridge.mssp import (
    MsspResult,
    registration_statement,
    statement_hash,
    verification_code,
    verify_outcome,
)
from pki_bridge.mssp_client import MsspHttpClient
from pki_bridge.revocation import RevocationSource
from pki_bridge.testing.mssp_simulator import build_mssp_simulator, simulator_ca
from pki_bridge.testing.pki_server import build_pki_simulator
from pki_bridge.validation import CertificateChecker
from tests.pki.conftest import free_port

PHONE = "+84912345678"
FAST = RetryPolicy(timeout=2.0, attempts=2, backoff=0.05)


@dataclass
class MsspWorld:
    base: str
    http: aiohttp.ClientSession
    client: MsspHttpClient
    checker: CertificateChecker

    async def issue_sim(self, **body) -> None:
        async with self.http.post(f"{self.base}/sim/mssp/sims", json=body) as resp:
            assert resp.status == 201

    async def pending(self, phone: str) -> list[dict]:
        async with self.http.get(f"{self.base}/sim/mssp/pending", params={"phone": phone}) as r:
            return await r.json()

    async def answer(self, session_id: str, **body) -> int:
        async with self.http.post(f"{self.base}/sim/mssp/pending/{session_id}", json=body) as r:
            return r.status


def new_statement() -> bytes:
    now = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
    return statement_hash(registration_statement("dvcqg-level3", PHONE, "n0nce", now))


@pytest.fixture
async def mssp_world(request) -> AsyncIterator[MsspWorld]:
    timeout = getattr(request, "param", 60.0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ca = simulator_ca(f"{base}/sim/pki")
    root = web.Application()
    root.add_subapp("/sim/mssp", build_mssp_simulator(ca, request_timeout=timeout))
    root.add_subapp("/sim/pki", build_pki_simulator(ca, {"mssp": ca}))
    server = TestServer(root, host="127.0.0.1", port=port)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/sim/pki/ca.pem") as resp:  # demo mode: the anchor
            anchors = x509.load_pem_x509_certificates(await resp.read())
        checker = CertificateChecker(anchors, RevocationSource(http))
        client = MsspHttpClient(http, f"{base}/sim/mssp", policy=FAST)
        yield MsspWorld(base, http, client, checker)
    await server.close()


async def test_citizen_approves_with_pin_and_regbot_reads_the_certificate(mssp_world):
    w = mssp_world
    await w.issue_sim(
        phone="0912 345 678", id_number="001090012345", full_name="Nguyễn Văn An", pin="1234"
    )
    digest = new_statement()
    session_id = await w.client.start(PHONE, digest, "Đăng ký tài khoản DVCQG")
    waiting = asyncio.create_task(w.client.await_result(session_id, interval=0.05))
    [pending] = await w.pending("0912345678")
    assert pending["verification_code"] == verification_code(digest)
    assert await w.answer(session_id, action="approve", pin="1234") == 200
    outcome = await waiting
    assert outcome.ok and outcome.message.key == "pki.mssp.ok"
    identity = (await verify_outcome(outcome, digest, w.checker)).identity
    assert (identity.kind, identity.id_number, identity.name) == (
        "citizen",
        "001090012345",
        "Nguyễn Văn An",
    )


async def test_business_sim_gives_the_tax_code(mssp_world):
    w = mssp_world
    await w.issue_sim(
        phone=PHONE,
        tax_code="0100109106",
        full_name="Công ty TNHH Hoa Sen",
        pin="9999",
        key_type="rsa",
    )
    digest = new_statement()
    session_id = await w.client.start(PHONE, digest, "Đăng ký")
    await w.answer(session_id, action="approve", pin="9999")
    outcome = await w.client.await_result(session_id, interval=0.05)
    identity = (await verify_outcome(outcome, digest, w.checker)).identity
    assert (identity.kind, identity.id_number) == ("business", "0100109106")


async def test_the_simulator_counts_signature_requests_per_phone(mssp_world):
    """So a story that issues a signing SIM it never asks to sign fails (transcript tests)."""
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="Nguyễn Văn An", pin="1")
    await w.client.start(PHONE, new_statement(), "Đăng ký")
    await w.client.start("+84903123456", new_statement(), "Đăng ký")  # no SIM there
    await w.client.start(PHONE, new_statement(), "Đăng ký")
    async with w.http.get(f"{w.base}/sim/mssp/lookups") as response:
        assert response.status == 200
        assert await response.json() == {PHONE: 2, "+84903123456": 1}


async def test_a_sim_signature_is_not_accepted_for_another_statement(mssp_world):
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="An", pin="1234")
    session_id = await w.client.start(PHONE, new_statement(), "Đăng ký")
    await w.answer(session_id, action="approve", pin="1234")
    outcome = await w.client.await_result(session_id, interval=0.05)
    with pytest.raises(CertificateRefused) as refused:
        await verify_outcome(outcome, statement_hash(b"another registration"), w.checker)
    assert refused.value.reason == "bad_signature"


async def test_person_refuses_on_the_phone(mssp_world):
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="An", pin="1234")
    session_id = await w.client.start(PHONE, new_statement(), "Đăng ký")
    await w.answer(session_id, action="refuse")
    outcome = await w.client.await_result(session_id, interval=0.05)
    assert outcome.result is MsspResult.USER_REFUSED
    assert outcome.message.key == "pki.mssp.user_refused"


async def test_three_wrong_pins_lock_the_sim_for_this_and_later_requests(mssp_world):
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="An", pin="1234")
    session_id = await w.client.start(PHONE, new_statement(), "Đăng ký")
    statuses = [await w.answer(session_id, action="approve", pin="0000") for _ in range(3)]
    assert statuses == [403, 403, 403]
    outcome = await w.client.await_result(session_id, interval=0.05)
    assert outcome.result is MsspResult.WRONG_PIN_LOCKED
    again = await w.client.start(PHONE, new_statement(), "Đăng ký")
    later = await w.client.await_result(again, interval=0.05)
    assert later.result is MsspResult.WRONG_PIN_LOCKED


@pytest.mark.parametrize("mssp_world", [0.3], indirect=True)
async def test_an_unanswered_request_times_out_at_the_service(mssp_world):
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="An", pin="1234")
    session_id = await w.client.start(PHONE, new_statement(), "Đăng ký")
    outcome = await w.client.await_result(session_id, interval=0.05, total_timeout=5)
    assert outcome.result is MsspResult.TIMEOUT
    assert await w.pending(PHONE) == []


async def test_regbot_stops_waiting_after_its_total_timeout(mssp_world):
    w = mssp_world
    await w.issue_sim(phone=PHONE, id_number="001090012345", full_name="An", pin="1234")
    session_id = await w.client.start(PHONE, new_statement(), "Đăng ký")
    outcome = await w.client.await_result(session_id, interval=0.05, total_timeout=0.2)
    assert outcome.result is MsspResult.TIMEOUT
    assert outcome.message.key == "pki.mssp.timeout"


async def test_a_phone_without_a_signing_sim_is_told_so(mssp_world):
    session_id = await mssp_world.client.start("+84987654321", new_statement(), "Đăng ký")
    outcome = await mssp_world.client.await_result(session_id, interval=0.05)
    assert outcome.result is MsspResult.NOT_A_SIGNING_SIM


async def test_an_unreachable_service_means_try_later():
    async with aiohttp.ClientSession() as http:
        client = MsspHttpClient(http, f"http://127.0.0.1:{free_port()}", policy=FAST)
        with pytest.raises(IntegrationUnavailable):
            await client.start(PHONE, new_statement(), "Đăng ký")
        outcome = await client.await_result("some-session", interval=0.05)
    assert outcome.result is MsspResult.UNAVAILABLE
    assert outcome.message.key == "pki.mssp.unavailable"


def test_the_verification_code_is_four_digits_from_the_hash():
    digest = bytes(32)
    expected = int.from_bytes(hashlib.sha256(digest).digest()[-2:], "big") % 10000
    assert verification_code(digest) == f"{expected:04d}"
    assert len(verification_code(new_statement())) == 4


def test_the_statement_names_service_phone_nonce_and_time():
    when = dt.datetime(2025, 3, 1, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    text = registration_statement("dvcqg", PHONE, "abc123", when).decode()
    assert "dvcqg" in text and PHONE in text and "abc123" in text
    assert "2025-03-01T08:00:00+00:00" in text
    assert registration_statement("dvcqg", PHONE, "other", when) != text.encode()


@pytest.mark.parametrize(
    "path", ["/sim/mssp/sims", "/sim/mssp/signature", "/sim/mssp/pending/x", "/sim/pki/faults"]
)
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
async def test_a_control_call_with_a_bad_body_gets_a_400_not_a_500(mssp_world, path, body):
    async with mssp_world.http.post(mssp_world.base + path, data=body) as resp:
        assert resp.status == 400
        assert "error" in await resp.json()


def _wrapped(value: str) -> str:
    """Base64 as a MIME-minded service sends it: 76 characters a line, CRLF between."""
    return "\r\n".join(value[at : at + 76] for at in range(0, len(value), 76))


async def test_a_service_that_wraps_its_base64_lines_is_read_like_one_that_does_not(mssp_world):
    """A citizen signs on a service whose replies wrap base64 at 76 characters: the
    signature and certificate read the same, and the registration goes on."""
    w = mssp_world
    await w.issue_sim(
        phone="0912345678", id_number="001090012345", full_name="Nguyễn Văn An", pin="1234"
    )
    digest = new_statement()
    session_id = await w.client.start(PHONE, digest, "Đăng ký tài khoản DVCQG")
    [pending] = await w.pending("0912345678")
    assert await w.answer(pending["session_id"], action="approve", pin="1234") == 200
    async with w.http.get(f"{w.base}/sim/mssp/signature/{session_id}") as response:
        reply = await response.json()
    assert reply["state"] == "COMPLETE"
    wrapped = {
        **reply,
        "signature": _wrapped(reply["signature"]),
        "certificate": _wrapped(reply["certificate"]),
        "chain": [_wrapped(c) for c in reply.get("chain", [])],
    }
    assert "\r\n" in wrapped["certificate"]

    async def complete(_: web.Request) -> web.Response:
        return web.json_response(wrapped)

    service = web.Application()
    service.router.add_get("/signature/{session_id}", complete)
    server = TestServer(service, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        client = MsspHttpClient(w.http, str(server.make_url("")), policy=FAST)
        outcome = await client.await_result(session_id, interval=0.05)
    finally:
        await server.close()
    assert outcome.ok
    identity = (await verify_outcome(outcome, digest, w.checker)).identity
    assert identity.id_number == "001090012345"
