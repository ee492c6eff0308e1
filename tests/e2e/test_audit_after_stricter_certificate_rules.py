"""Stories: regbot once accepted signatures it now refuses (a web server's certificate, a
weak key, a signature made with MD5 or SHA-1, a replayed OCSP answer). An auditor who
re-checks an account made back then with `regbot accounts verify` is told it fails, and
why; an honest account made the same way still verifies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from bot.accounts.model import AccountKind
from pki_bridge import cms, revocation, validation
from pki_bridge.signatures import decode_base64
from pki_bridge.testing.authority import new_key, subject_name
from pki_bridge.testing.signer import issued_signer, sign_challenge, sign_url
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD
from tests.e2e.evidence_world import (  # noqa: F401 - fixtures
    EvidenceWorld,
    evidence_world_fixture,
)
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.support.forged_signatures import resigned

ACCEPT_ANYTHING: Callable[..., Any] = lambda *args, **kwargs: None  # noqa: E731
LE_CCCD = "001190023456"  # a citizen with a USB token


async def register_business_with_a_token(world: EvidenceWorld, user: str, name: str) -> int:
    """The company signs the link's challenge with the test PKI's certificate `name` (raw
    form) and finishes; the new business account's id."""
    signing = world.signing
    url = await signing.get_link(user, kind="business")
    signer = issued_signer(signing.pki.users[name])
    status, reply = await sign_url(url, signer, raw=True, session=signing.http)
    assert status == 200, reply
    await signing.choose(user, "check")
    await signing.bot.say(user, "it@hoasen.vn")
    done = "\n".join(await signing.choose(user, "register"))
    assert "Đăng ký thành công" in done, done
    account = await signing.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST)
    assert account is not None
    return account.id


async def register_citizen_with_md5_cms(
    world: EvidenceWorld, user: str
) -> tuple[int, dict[str, Any]]:
    """Lê Thị Hoa's token signs the challenge; the CMS posted is signed again with MD5.
    The page's answer (status, body)."""
    signing = world.signing
    key = new_key("rsa")
    person = signing.pki.issuing.issue(subject_name("Lê Thị Hoa", uid=f"CCCD:{LE_CCCD}"), key=key)
    url = await signing.get_link(user)
    async with signing.http.get(f"{url}/challenge") as resp:
        challenge = decode_base64((await resp.json())["challenge"])
    body = await sign_challenge(issued_signer(person), challenge)
    md5 = resigned(body["signature"], key, "md5_rsa", hashes.MD5())
    return await signing.post(url, {"signature": md5})


async def finish_citizen(world: EvidenceWorld, user: str, id_number: str) -> int:
    """After the signing page accepted the token: check, no email, register; the new
    citizen account's id."""
    signing = world.signing
    await signing.choose(user, "check")
    await signing.bot.say(user, "1")
    done = "\n".join(await signing.choose(user, "register"))
    assert "Đăng ký thành công" in done, done
    account = await signing.bot.accounts.find(AccountKind.CITIZEN, id_number)
    assert account is not None
    return account.id


async def audit_failure(world: EvidenceWorld, account_id: int) -> list[str]:
    """`regbot accounts verify ID` exits 1; the checks that failed, as printed."""
    status, out = await world.verify(account_id)
    assert status == 1, out
    assert out.splitlines()[-1] == f"account {account_id}: FAILED"
    return [line.strip() for line in out.splitlines() if line.startswith("  FAIL")]


async def test_a_business_account_opened_with_the_companys_web_server_certificate_fails_audit(
    evidence_world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
):
    with monkeypatch.context() as old_regbot:  # before the purpose of a certificate counted
        old_regbot.setattr(validation, "check_document_signing_purpose", ACCEPT_ANYTHING)
        account_id = await register_business_with_a_token(evidence_world, "web", "web_server")
    assert await audit_failure(evidence_world, account_id) == [
        "FAIL  certificate path: refused offline: extended_key_usage"
    ]


async def test_a_business_account_opened_with_a_signing_certificate_still_passes_audit(
    evidence_world: EvidenceWorld,
):
    account_id = await register_business_with_a_token(evidence_world, "ok", "business")
    status, out = await evidence_world.verify(account_id)
    assert status == 0, out


async def test_a_token_signature_made_with_md5_is_refused_on_the_signing_page(
    evidence_world: EvidenceWorld,
):
    status, reply = await register_citizen_with_md5_cms(evidence_world, "md5")
    assert (status, reply["error"]) == (422, "bad_signature")
    assert await evidence_world.signing.bot.accounts.find(AccountKind.CITIZEN, LE_CCCD) is None


async def test_a_citizen_account_opened_with_an_md5_signature_fails_audit(
    evidence_world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
):
    with monkeypatch.context() as old_regbot:  # the signature algorithm's hash unchecked
        old_regbot.setattr(cms, "_signature_hash", lambda algorithm, digest: digest)
        status, reply = await register_citizen_with_md5_cms(evidence_world, "md5")
        assert status == 200, reply
    account_id = await finish_citizen(evidence_world, "md5", LE_CCCD)
    [failure] = await audit_failure(evidence_world, account_id)
    assert failure.startswith("FAIL  signature:") and failure.endswith("bad_signature")


async def test_a_citizen_account_opened_with_a_1024_bit_rsa_token_fails_audit(
    evidence_world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
):
    signing = evidence_world.signing
    with monkeypatch.context() as old_regbot:  # before the key's strength counted
        old_regbot.setattr(validation, "check_key_strength", ACCEPT_ANYTHING)
        url = await signing.get_link("weak")
        signer = issued_signer(signing.pki.users["weak_key"])
        assert (await sign_url(url, signer, session=signing.http))[0] == 200
    account_id = await finish_citizen(evidence_world, "weak", CITIZEN_CCCD)
    assert await audit_failure(evidence_world, account_id) == [
        "FAIL  certificate path: refused offline: weak_key"
    ]


async def sign_with_a_token_revoked_two_hours_ago(world: EvidenceWorld, user: str) -> int:
    """Lê Thị Hoa's token was revoked 2 h ago (the CRL lists it); on the path to the CA's
    responder somebody replays a "good" answer from before. The page's status."""
    signing = world.signing
    person = signing.pki.issuing.issue(subject_name("Lê Thị Hoa", uid=f"CCCD:{LE_CCCD}"))
    signing.pki.issuing.revoke(person.certificate, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    await signing.ca_faults(ocsp_answer="replayed")
    url = await signing.get_link(user)
    status, reply = await sign_url(url, issued_signer(person), session=signing.http)
    return status if status == 200 else reply["error"]


async def test_a_replayed_good_ocsp_answer_does_not_let_a_revoked_token_register(
    evidence_world: EvidenceWorld,
):
    assert await sign_with_a_token_revoked_two_hours_ago(evidence_world, "late") == "revoked"
    assert await evidence_world.signing.bot.accounts.find(AccountKind.CITIZEN, LE_CCCD) is None


async def test_an_account_accepted_on_a_replayed_ocsp_answer_fails_audit(
    evidence_world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
):
    with monkeypatch.context() as old_regbot:  # an OCSP answer of any age counted
        old_regbot.setattr(revocation, "ocsp_fresh", lambda response, at: True)
        assert await sign_with_a_token_revoked_two_hours_ago(evidence_world, "late") == 200
    account_id = await finish_citizen(evidence_world, "late", LE_CCCD)
    assert await audit_failure(evidence_world, account_id) == [
        "FAIL  certificate path: refused offline: no_revocation_info"
    ]
