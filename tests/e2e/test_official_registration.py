"""Stories of civil servants ("Cơ quan nhà nước", guide §1.4 last part): a USB token of the
Government CA, validated against the Government anchors only; the agency comes from it."""

from __future__ import annotations

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD, OFFICIAL_CCCD
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


async def test_an_official_registers_with_a_government_ca_token_and_their_agency(
    signing_world: SigningWorld,
):
    world = signing_world
    first = "\n".join(world.bot.screen(await world.bot.send("bich")))
    assert "Cơ quan nhà nước" in first
    url = await world.get_link("bich", kind="official", method="official_usb")
    signer = issued_signer(world.pki.users["official"])
    assert await sign_url(url, signer, session=world.http) == (200, {"status": "accepted"})

    email_step = "\n".join(await world.choose("bich", "check"))
    assert "không bắt buộc" in email_step and "ten@congty.vn" not in email_step
    summary = "\n".join(await world.bot.say("bich", "bich.tt@moj.gov.vn"))
    assert "Trần Thị Bích" in summary and "Văn phòng Bộ - Bộ Tư pháp" in summary
    await world.choose("bich", "register")

    account = await world.bot.accounts.find(AccountKind.OFFICIAL, OFFICIAL_CCCD)
    assert account is not None
    assert (account.kind, account.verification_level, account.method) == ("official", 3, "usb")
    assert account.agency == "Văn phòng Bộ - Bộ Tư pháp"
    assert await world.bot.accounts.find(AccountKind.CITIZEN, OFFICIAL_CCCD) is None


async def test_a_public_ca_certificate_cannot_register_an_official(signing_world: SigningWorld):
    world = signing_world
    url = await world.get_link("p", kind="official", method="official_usb")
    signer = issued_signer(world.pki.users["citizen"])
    status, reply = await sign_url(url, signer, session=world.http)
    assert (status, reply["error"]) == (422, "untrusted")
    refused = "\n".join(await world.choose("p", "check"))
    assert "Ban Cơ yếu Chính phủ" in refused and "được cấp phép cấp" not in refused
    assert await world.bot.accounts.find(AccountKind.OFFICIAL, CITIZEN_CCCD) is None


async def test_a_government_ca_certificate_does_not_pass_as_a_citizens(
    signing_world: SigningWorld,
):
    world = signing_world
    url = await world.get_link("p")
    signer = issued_signer(world.pki.users["official"])
    status, reply = await sign_url(url, signer, session=world.http)
    assert (status, reply["error"]) == (422, "untrusted")
    assert await world.bot.accounts.find(AccountKind.CITIZEN, OFFICIAL_CCCD) is None


async def test_an_official_may_skip_the_email_as_the_guide_asks_for_none(
    signing_world: SigningWorld,
):
    world = signing_world
    url = await world.get_link("lan", kind="official", method="official_usb")
    signer = issued_signer(world.pki.users["official"])
    assert await sign_url(url, signer, session=world.http) == (200, {"status": "accepted"})
    await world.choose("lan", "check")
    summary = "\n".join(await world.bot.say("lan", ""))  # nothing typed: skipped
    assert "Email: (không có)" in summary
    await world.choose("lan", "register")
    account = await world.bot.accounts.find(AccountKind.OFFICIAL, OFFICIAL_CCCD)
    assert account is not None and account.email is None
