"""Stories: regbot once accepted signatures it now refuses (a web server's certificate, a
weak key, a signature made with MD5 or SHA-1, a replayed OCSP answer). An auditor who
re-checks an account made back then with `regbot accounts verify` is told it fails, and
why; an honest account made the same way still verifies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.accounts.model import AccountKind
from pki_bridge import validation
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import BUSINESS_MST
from tests.e2e.evidence_world import (  # noqa: F401 - fixtures
    EvidenceWorld,
    evidence_world_fixture,
)
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)

ACCEPT_ANYTHING: Callable[..., Any] = lambda *args, **kwargs: None  # noqa: E731


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
