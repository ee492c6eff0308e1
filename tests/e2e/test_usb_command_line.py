"""Stories of the tools that play the plugin's and the CA's part: `regbot pki test-ca` writes
a test PKI, and `regbot sign` signs a live link with a PKCS#11 token or a PKCS#12 file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from bot.cli import main
from pki_bridge.testing.authority import subject_name
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD, DEFAULT_PASSPHRASE, write_test_pki
from tests.conftest import SoftToken
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


def test_regbot_pki_test_ca_writes_anchors_crls_and_user_certificates(tmp_path: Path):
    assert main(["pki", "test-ca", str(tmp_path / "pki")]) == 0
    written = {p.name for p in (tmp_path / "pki").rglob("*")}
    assert {"trust-anchors.pem", "gov-trust-anchors.pem", "issuing.crl"} <= written
    assert {"citizen.p12", "business.p12", "official.p12", "revoked.p12"} <= written


async def test_a_business_signs_its_link_with_regbot_sign_and_a_p12_file(
    signing_world: SigningWorld, tmp_path: Path
):
    world = signing_world
    write_test_pki(world.pki, tmp_path / "pki")
    url = await world.get_link("hoasen", kind="business")
    p12 = tmp_path / "pki" / "users" / "business.p12"
    argv = ["sign", url, "--p12", str(p12), "--pin", DEFAULT_PASSPHRASE]
    assert await asyncio.to_thread(main, argv) == 0
    await world.choose("hoasen", "check")
    await world.bot.say("hoasen", "ketoan@hoasen.vn")
    await world.choose("hoasen", "register")
    account = await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST)
    assert account is not None and account.method == "usb"


async def test_a_citizen_signs_with_regbot_sign_and_a_pin_protected_token(
    signing_world: SigningWorld, softhsm_token: SoftToken
):
    world = signing_world
    issued = world.pki.issuing.issue(
        subject_name("Lê Thị Hoa", uid=f"CCCD:{CITIZEN_CCCD}"), public_key=softhsm_token.public_key
    )
    softhsm_token.install_certificates(issued.certificate, issued.chain)
    url = await world.get_link("hoa")
    token = ["--pkcs11-lib", softhsm_token.lib, "--token-label", softhsm_token.label]
    # the token will not sign without its PIN, and the tool says so in one line
    assert await asyncio.to_thread(main, ["sign", url, *token, "--pin", "000000"]) == 2
    assert await asyncio.to_thread(main, ["sign", url, *token, "--pin", softhsm_token.pin]) == 0
    assert "Chữ ký số hợp lệ" in "\n".join(await world.choose("hoa", "check"))


async def test_a_mistyped_pin_gets_one_line_and_no_traceback(
    signing_world: SigningWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    world = signing_world
    write_test_pki(world.pki, tmp_path / "pki")
    url = await world.get_link("lan")
    p12 = tmp_path / "pki" / "users" / "citizen.p12"
    assert await asyncio.to_thread(main, ["sign", url, "--p12", str(p12), "--pin", "9999"]) == 2
    out, err = capsys.readouterr()
    assert err == f"regbot sign: wrong PIN for {p12}, or it is not a PKCS#12 file\n", err
    assert out == ""
    # the link is still there for the right PIN
    argv = ["sign", url, "--p12", str(p12), "--pin", DEFAULT_PASSPHRASE]
    assert await asyncio.to_thread(main, argv) == 0
