"""Stories: a person signs regbot's challenge with a USB token (SoftHSM2) or a PKCS#12 file."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pkcs11
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from pki_bridge import CertificateRefused, RevocationUnavailable
from pki_bridge.cms import verify_detached_cms
from pki_bridge.signatures import verify_raw
from pki_bridge.testing.authority import subject_name
from pki_bridge.testing.signer import p12_signer, pkcs11_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD, main_test_ca, write_test_pki
from pki_bridge.validation import CertificateChecker
from tests.pki.conftest import PkiWorld, SoftToken, free_port


@dataclass
class Bridge:
    """A stand-in for regbot's `/sign/{token}` endpoint, speaking the CONTRACTS format."""

    url: str
    challenge: bytes = field(default_factory=lambda: os.urandom(32))
    accepted: list[str] = field(default_factory=list)


def bridge_app(bridge: Bridge, checker: CertificateChecker) -> web.Application:
    async def challenge(_: web.Request) -> web.Response:
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()
        return web.json_response(
            {"challenge": base64.b64encode(bridge.challenge).decode(), "expires_at": expires}
        )

    async def receive(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            if "certificate" in body:
                cert = base64.b64decode(body["certificate"])
                chain = tuple(base64.b64decode(c) for c in body.get("chain", []))
                verify_raw(base64.b64decode(body["signature"]), cert, data=bridge.challenge)
            else:
                signed_by = verify_detached_cms(body["signature"], bridge.challenge)
                cert, chain = signed_by.certificate_der, signed_by.chain_ders
            identity = (await checker.check(cert, chain)).identity
        except CertificateRefused as refused:
            return web.json_response({"error": refused.reason}, status=422)
        except RevocationUnavailable:
            return web.json_response({"error": "try later"}, status=503)
        bridge.accepted.append(identity.id_number)
        return web.json_response({"status": "accepted"})

    app = web.Application()
    app.router.add_get("/sign/tok/challenge", challenge)
    app.router.add_post("/sign/tok", receive)
    return app


@pytest.fixture
async def bridge(pki_world: PkiWorld) -> AsyncIterator[Bridge]:
    port = free_port()
    result = Bridge(f"http://127.0.0.1:{port}/sign/tok")
    server = TestServer(bridge_app(result, pki_world.public), host="127.0.0.1", port=port)
    await server.start_server()
    yield result
    await server.close()


def token_with_citizen_certificate(token: SoftToken, world: PkiWorld, **validity) -> None:
    issued = world.pki.issuing.issue(
        subject_name("Lê Thị Hoa", uid=f"CCCD:{CITIZEN_CCCD}"),
        public_key=token.public_key,
        **validity,
    )
    token.install_certificates(issued.certificate, issued.chain)


@pytest.mark.parametrize("raw", [False, True], ids=["cms", "raw"])
async def test_citizen_signs_the_challenge_with_a_usb_token_and_is_accepted(
    softhsm_token, pki_world, bridge, raw
):
    token_with_citizen_certificate(softhsm_token, pki_world)
    with pkcs11_signer(softhsm_token.lib, softhsm_token.pin, token_label=softhsm_token.label) as s:
        status, reply = await sign_url(bridge.url, s, raw=raw, session=pki_world.session)
    assert (status, reply) == (200, {"status": "accepted"})
    assert bridge.accepted == [CITIZEN_CCCD]


async def test_a_token_holding_an_expired_certificate_is_refused(softhsm_token, pki_world, bridge):
    now = dt.datetime.now(dt.UTC)
    token_with_citizen_certificate(
        softhsm_token,
        pki_world,
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    with pkcs11_signer(softhsm_token.lib, softhsm_token.pin, token_label=softhsm_token.label) as s:
        status, reply = await sign_url(bridge.url, s, session=pki_world.session)
    assert (status, reply) == (422, {"error": "expired"})
    assert bridge.accepted == []


def test_the_token_does_not_sign_without_its_pin(softhsm_token):
    with pytest.raises(pkcs11.exceptions.PinIncorrect):
        with pkcs11_signer(softhsm_token.lib, "000000", token_label=softhsm_token.label):
            pass


async def test_a_business_signs_with_the_pkcs12_file_made_by_test_ca(tmp_path, pki_world, bridge):
    write_test_pki(pki_world.pki, tmp_path, passphrase="secret")
    signer = p12_signer(tmp_path / "users" / "business.p12", "secret")
    status, _ = await sign_url(bridge.url, signer, session=pki_world.session)
    assert status == 200
    assert bridge.accepted == ["0100109106"]


def test_test_ca_command_writes_anchors_crls_and_user_keys(tmp_path):
    assert main_test_ca([str(tmp_path), "--base-url", "http://127.0.0.1:9/sim/pki"]) == 0
    for name in (
        "trust-anchors.pem",
        "gov-trust-anchors.pem",
        "issuing.crl",
        "gov.crl",
        "users/citizen.p12",
        "users/official.key.pem",
        "users/revoked.cert.pem",
    ):
        assert (tmp_path / name).stat().st_size > 0


async def test_the_sign_command_signs_with_the_token_driver_and_pin(
    softhsm_token, pki_world, bridge
):
    token_with_citizen_certificate(softhsm_token, pki_world)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from pki_bridge.testing.signer import main_sign; "
        "sys.exit(main_sign(sys.argv[1:]))",
        bridge.url,
        "--pkcs11-lib",
        softhsm_token.lib,
        "--pin",
        softhsm_token.pin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().startswith("200")
    assert bridge.accepted == [CITIZEN_CCCD]


def test_the_sign_command_with_a_wrong_passphrase_says_so_without_a_traceback(tmp_path, capsys):
    from pki_bridge.testing.signer import main_sign
    from pki_bridge.testing.testca import build_test_pki

    write_test_pki(build_test_pki(), tmp_path, passphrase="secret")
    code = main_sign(
        ["http://127.0.0.1:9/sign/x", "--p12", str(tmp_path / "users/citizen.p12"), "--pin", "no"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "wrong PIN for" in err and "Traceback" not in err
