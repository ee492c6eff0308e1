"""Stories of registration by USB token (guide §1.4): a one-time link, the signing page,
a real PIN-protected PKCS#11 token (SoftHSM2) signing the challenge through `regbot sign`'s
code, and the conversation going on with the certificate's details."""

from __future__ import annotations

import asyncio
import base64

import pytest

from bot.accounts.model import AccountKind
from bot.engine.messages import Reply
from bot.web.app import RUNTIME
from pki_bridge.testing.authority import subject_name
from pki_bridge.testing.signer import issued_signer, pkcs11_signer, sign_url
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD
from tests.conftest import SoftToken
from tests.e2e.evidence_world import EvidenceWorld, evidence_world_fixture  # noqa: F401
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


def token_for(token: SoftToken, world: SigningWorld, uid: str, name: str, **extra: str) -> None:
    """The CA delivers the token: a certificate for the key generated inside it."""
    issued = world.pki.issuing.issue(
        subject_name(name, uid=uid, **extra), public_key=token.public_key
    )
    token.install_certificates(issued.certificate, issued.chain)


async def sign_with_token(world: SigningWorld, token: SoftToken, url: str) -> tuple[int, dict]:
    with pkcs11_signer(token.lib, token.pin, token_label=token.label) as signer:
        return await sign_url(url, signer, session=world.http)


async def test_citizen_registers_with_a_usb_token_and_gets_a_level_3_account(
    signing_world: SigningWorld, softhsm_token: SoftToken
):
    world = signing_world
    token_for(softhsm_token, world, f"CCCD:{CITIZEN_CCCD}", "Lê Thị Hoa")
    url = await world.get_link("hoa")
    assert url.startswith(str(world.bot.client.make_url("/sign/")))

    page = await world.http.get(url)
    html = await page.text()
    assert page.status == 200 and "Driver" in html and "plugin" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<ol>")[0]
    assert '<script src="/sign/static/signing.js">' in html  # code only from this origin

    assert await sign_with_token(world, softhsm_token, url) == (200, {"status": "accepted"})
    email_step = "\n".join(await world.choose("hoa", "check"))
    assert "Chữ ký số hợp lệ" in email_step and "không bắt buộc" in email_step
    summary = "\n".join(await world.bot.say("hoa", "hoa.le@example.vn"))
    assert "Lê Thị Hoa" in summary and CITIZEN_CCCD in summary  # in full, to its owner
    done = "\n".join(await world.choose("hoa", "register"))
    assert "Đăng ký thành công" in done and "mức xác minh 3" in done

    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None
    assert (account.verification_level, account.method, account.kind) == (3, "usb", "citizen")
    assert account.email == "hoa.le@example.vn" and account.password_hash is None


async def test_business_registers_with_a_usb_token_and_the_chat_goes_on_by_itself(
    signing_world: SigningWorld, softhsm_token: SoftToken
):
    world = signing_world
    pushed: asyncio.Queue[Reply] = asyncio.Queue()

    async def push(user: str, reply: Reply) -> None:
        await pushed.put(reply)

    world.bot.app[RUNTIME].pushes.register("test", push)
    token_for(
        softhsm_token,
        world,
        f"MST:{BUSINESS_MST}",
        "Công ty TNHH Hoa Sen",
        organization="Công ty TNHH Hoa Sen",
    )
    url = await world.get_link("hoasen", kind="business")
    assert await sign_with_token(world, softhsm_token, url) == (200, {"status": "accepted"})

    reply = await asyncio.wait_for(pushed.get(), timeout=10)
    assert reply.step == "usb.email"
    email_step = world.bot.screen(reply)
    assert "bắt buộc" in "\n".join(email_step)
    assert not any(line.endswith("Bỏ qua") for line in email_step)
    await world.bot.say("hoasen", "ketoan@hoasen.vn")
    await world.choose("hoasen", "register")

    account = await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST)
    assert account is not None
    assert (account.verification_level, account.method) == (3, "usb")
    assert account.full_name == "Công ty TNHH Hoa Sen" and account.email == "ketoan@hoasen.vn"


async def test_a_raw_signature_as_the_government_ca_service_returns_it_is_accepted(
    signing_world: SigningWorld,
):
    world = signing_world
    url = await world.get_link("an")
    signer = issued_signer(world.pki.users["citizen"])
    assert await sign_url(url, signer, raw=True, session=world.http) == (
        200,
        {"status": "accepted"},
    )
    await world.choose("an", "check")
    await world.bot.pick("an", "Bỏ qua")  # no email
    await world.choose("an", "register")
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and account.method == "usb"


async def test_a_second_registration_with_the_same_tax_code_gets_the_duplicate_message(
    signing_world: SigningWorld,
):
    world = signing_world
    signer = issued_signer(world.pki.users["business"])
    url = await world.get_link("first", kind="business")
    assert (await sign_url(url, signer, session=world.http))[0] == 200
    await world.choose("first", "check")
    await world.bot.say("first", "first@hoasen.vn")
    await world.choose("first", "register")
    url = await world.get_link("second", kind="business")
    assert (await sign_url(url, signer, session=world.http))[0] == 200
    last = "\n".join(await world.choose("second", "check"))  # before any email is asked
    assert "đã được dùng để đăng ký" in last and "Quên mật khẩu" in last


@pytest.mark.parametrize("raw", [False, True], ids=["cms", "raw"])
async def test_a_usb_token_signs_regbots_statement_and_the_auditor_verifies_the_account(
    evidence_world: EvidenceWorld, softhsm_token: SoftToken, raw: bool
):
    """What the token signs is a statement a person can read - regbot's service, the link,
    the kind, the time - and the account it makes verifies offline, in either form."""
    world = evidence_world.signing
    token_for(softhsm_token, world, f"CCCD:{CITIZEN_CCCD}", "Lê Thị Hoa")
    url = await world.get_link("hoa")
    async with world.http.get(f"{url}/challenge") as resp:
        shown = base64.b64decode((await resp.json())["challenge"]).decode("utf-8")
    assert shown.startswith("DVCQG registration statement\n")
    assert "service: dichvucong.gov.vn account registration\n" in shown
    assert "kind: citizen\n" in shown and "\ntime: " in shown

    with pkcs11_signer(softhsm_token.lib, softhsm_token.pin, token_label=softhsm_token.label) as s:
        assert await sign_url(url, s, raw=raw, session=world.http) == (200, {"status": "accepted"})
    await world.choose("hoa", "check")
    await world.bot.pick("hoa", "Bỏ qua")  # no email
    assert "Đăng ký thành công" in "\n".join(await world.choose("hoa", "register"))

    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None
    status, out = await evidence_world.verify(account.id)
    assert status == 0, out
    assert "ok    statement: regbot's statement for a citizen signing link, issued at " in out
    assert f"ok    signature: {'raw-sha256' if raw else 'cms-detached'} over the " in out
