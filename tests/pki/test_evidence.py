"""Stories: an accepted certificate carries the evidence an auditor re-checks later, offline.

Each story validates over HTTP (the PKI simulator on loopback), then takes the CA down
entirely and re-checks from the evidence alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from pki_bridge import CertificateRefused, revocation, validation
from pki_bridge.evidence import StatusSource, ValidationEvidence
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD, OFFICIAL_CCCD
from pki_bridge.validation import revalidate
from tests.pki.conftest import PkiWorld, check, faults


async def offline(world: PkiWorld) -> None:
    """Every CRL and responder of the CA server down: nothing may be fetched."""
    await faults(world, ocsp_unreachable=True, crl_unreachable=True)


async def refused(evidence: ValidationEvidence) -> str:
    with pytest.raises(CertificateRefused) as no:
        await revalidate(evidence)
    return no.value.reason


async def test_an_ocsp_accepted_certificate_revalidates_offline_from_its_evidence(pki_world):
    evidence = (await check(pki_world, "citizen")).evidence
    assert evidence.anchor == pki_world.pki.root.certificate.public_bytes(Encoding.DER)
    await offline(pki_world)
    requests = pki_world.state.ocsp_requests + pki_world.state.crl_requests
    identity = await revalidate(evidence)
    assert (identity.kind, identity.id_number) == ("citizen", CITIZEN_CCCD)
    assert pki_world.state.ocsp_requests + pki_world.state.crl_requests == requests


async def test_a_crl_accepted_certificate_revalidates_offline_and_tells_its_crl(pki_world):
    await faults(pki_world, ocsp_unreachable=True)
    evidence = (await check(pki_world, "business")).evidence
    assert evidence.status_source is StatusSource.CRL
    await offline(pki_world)
    assert (await revalidate(evidence)).id_number == BUSINESS_MST
    facts = {f.issuer: f for f in evidence.crl_facts()}
    issuing = facts[pki_world.pki.issuing.certificate.subject.rfc4514_string()]
    assert issuing.number is not None and issuing.next_update is not None
    assert issuing.this_update <= evidence.validated_at < issuing.next_update


async def test_an_official_revalidates_as_an_official(pki_world):
    user = pki_world.pki.users["official"]
    evidence = (await pki_world.gov.check(user.der, user.chain_ders)).evidence
    assert evidence.official
    await offline(pki_world)
    identity = await revalidate(evidence)
    assert (identity.kind, identity.id_number) == ("official", OFFICIAL_CCCD)


async def test_a_certificate_revoked_after_registration_still_revalidates_at_its_time(pki_world):
    evidence = (await check(pki_world, "business")).evidence
    business = pki_world.pki.users["business"].certificate
    pki_world.pki.issuing.revoke(business, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert (await revalidate(evidence)).id_number == BUSINESS_MST


async def test_evidence_without_its_revocation_data_does_not_revalidate(pki_world):
    evidence = (await check(pki_world, "citizen")).evidence
    assert await refused(dataclasses.replace(evidence, ocsp_responses=())) == "no_revocation_info"


async def test_evidence_with_another_persons_certificate_does_not_revalidate(pki_world):
    """The stored OCSP answer is about the registrant's certificate, not the swapped one."""
    evidence = (await check(pki_world, "citizen")).evidence
    swapped = dataclasses.replace(evidence, certificate=pki_world.pki.users["business"].der)
    assert await refused(swapped) == "no_revocation_info"


async def test_evidence_pointing_at_another_anchor_does_not_revalidate(pki_world):
    evidence = (await check(pki_world, "citizen")).evidence
    other = pki_world.pki.gov_root.certificate.public_bytes(Encoding.DER)
    assert await refused(dataclasses.replace(evidence, anchor=other)) == "untrusted"


async def test_evidence_moved_past_the_certificates_life_does_not_revalidate(pki_world):
    evidence = (await check(pki_world, "citizen")).evidence
    later = evidence.validated_at + dt.timedelta(days=800)
    assert await refused(dataclasses.replace(evidence, validated_at=later)) == "expired"


async def test_evidence_with_garbage_for_a_certificate_does_not_revalidate(pki_world):
    evidence = (await check(pki_world, "citizen")).evidence
    broken = dataclasses.replace(evidence, chain=(b"not a certificate",))
    assert await refused(broken) == "malformed_certificate"


async def accepted_before_the_fix(
    world: PkiWorld,
    monkeypatch: pytest.MonkeyPatch,
    rule: str,
    name: str,
    *,
    module: ModuleType = validation,
) -> ValidationEvidence:
    """The evidence regbot kept when it accepted `name` without `module.rule` (the old
    code: the rule let everything through)."""
    with monkeypatch.context() as old_code:
        old_code.setattr(module, rule, lambda *args: None if module is validation else True)
        evidence = (await check(world, name)).evidence
    await offline(world)
    return evidence


async def test_a_web_server_certificate_accepted_before_the_purpose_check_no_longer_revalidates(
    pki_world, monkeypatch
):
    rule = "check_document_signing_purpose"
    evidence = await accepted_before_the_fix(pki_world, monkeypatch, rule, "web_server")
    assert await refused(evidence) == "extended_key_usage"


async def test_a_weak_key_accepted_before_the_strength_check_no_longer_revalidates(
    pki_world, monkeypatch
):
    evidence = await accepted_before_the_fix(
        pki_world, monkeypatch, "check_key_strength", "weak_key"
    )
    assert await refused(evidence) == "weak_key"


async def test_a_replayed_ocsp_answer_accepted_before_the_age_cap_no_longer_revalidates(
    pki_world, monkeypatch
):
    """Accepted on a 20-hour-old "good" answer, with no CRL in its evidence."""
    await faults(pki_world, ocsp_answer="replayed")
    evidence = await accepted_before_the_fix(
        pki_world, monkeypatch, "ocsp_fresh", "citizen", module=revocation
    )
    assert evidence.status_source is StatusSource.OCSP
    assert await refused(evidence) == "no_revocation_info"
