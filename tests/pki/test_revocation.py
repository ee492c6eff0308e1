"""Stories: is the signer's certificate still valid? OCSP first, the CRL when OCSP gives no
"good", AIA for a missing intermediate; anything unsettled is "try again later", never a yes.

The CAs' CRLs, OCSP responders and certificates are served by the PKI simulator over HTTP
on loopback; its control API (`POST /sim/pki/faults`) makes them fail or lie.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509

from pki_bridge import CertificateRefused, RevocationUnavailable
from pki_bridge.evidence import StatusSource
from pki_bridge.revocation import RevocationSource
from pki_bridge.testing.testca import CITIZEN_CCCD
from pki_bridge.validation import CertificateChecker
from tests.pki.conftest import PkiWorld, check, faults


async def refusal(world: PkiWorld, name: str) -> str:
    with pytest.raises(CertificateRefused) as refused:
        await check(world, name)
    return refused.value.reason


async def unavailable(world: PkiWorld, name: str) -> str:
    """Why certvalidator could not settle it (its words: a log line, never shown)."""
    with pytest.raises(RevocationUnavailable) as later:
        await check(world, name)
    assert later.value.message.key == "pki.revocation_unavailable"
    return str(later.value)


async def test_a_good_certificate_is_accepted_on_its_issuers_ocsp_answer(pki_world):
    verified = await check(pki_world, "citizen")
    assert verified.identity.id_number == CITIZEN_CCCD
    evidence = verified.evidence
    assert evidence.status_source is StatusSource.OCSP
    assert len(evidence.ocsp_responses) == 1
    assert pki_world.state.ocsp_requests == 1
    # the signer's status came from OCSP; the only CRL is the root's, for the intermediate
    issuers = [x509.load_der_x509_crl(der).issuer for der in evidence.crls]
    assert issuers == [pki_world.pki.root.certificate.subject]


async def test_a_certificate_revoked_on_ocsp_is_refused_without_its_crl(pki_world):
    await faults(pki_world, crl_unreachable=["issuing"])
    assert await refusal(pki_world, "revoked") == "revoked"
    assert pki_world.state.ocsp_requests == 1


async def test_ocsp_unknown_is_not_good_the_crl_decides(pki_world):
    await faults(pki_world, ocsp_answer="unknown", crl_unreachable=["issuing"])
    assert "end-entity" in await unavailable(pki_world, "citizen")
    await faults(pki_world, ocsp_answer="unknown")
    assert await refusal(pki_world, "revoked") == "revoked"
    verified = await check(pki_world, "citizen")
    assert verified.evidence.status_source is StatusSource.CRL


async def test_ocsp_down_with_the_crl_available_is_settled_by_the_crl(pki_world):
    await faults(pki_world, ocsp_unreachable=True)
    verified = await check(pki_world, "citizen")
    assert verified.evidence.status_source is StatusSource.CRL
    assert verified.evidence.ocsp_responses == ()
    assert await refusal(pki_world, "revoked") == "revoked"


async def test_ocsp_and_crl_both_down_means_try_again_later_never_acceptance(pki_world):
    await faults(pki_world, ocsp_unreachable=True, crl_unreachable=["issuing"])
    for name in ("citizen", "revoked"):
        assert "end-entity" in await unavailable(pki_world, name)
    await faults(pki_world, ocsp_unreachable=True, crl_unreachable=True)
    assert await unavailable(pki_world, "citizen")  # the root's CRL too: the intermediate
    await faults(pki_world)  # the CA is back: the same certificate is accepted
    assert (await check(pki_world, "citizen")).identity.id_number == CITIZEN_CCCD


async def test_a_missing_intermediate_is_fetched_from_the_certificates_ca_issuers_url(pki_world):
    verified = await check(pki_world, "citizen", chain=False)
    assert verified.identity.id_number == CITIZEN_CCCD
    assert pki_world.state.ca_requests == 1
    intermediate = pki_world.pki.issuing.certificate
    assert [x509.load_der_x509_certificate(d) for d in verified.evidence.chain] == [intermediate]


async def test_a_stale_crl_settles_nothing_and_is_not_kept(pki_world):
    await faults(pki_world, ocsp_unreachable=True, crl_stale=["issuing"])
    assert "not recent enough" in await unavailable(pki_world, "citizen")
    assert "not recent enough" in await unavailable(pki_world, "revoked")
    await faults(pki_world, ocsp_unreachable=True)  # the CA publishes a fresh CRL
    assert (await check(pki_world, "citizen")).evidence.status_source is StatusSource.CRL


async def test_a_crl_signed_by_another_key_counts_for_nothing(pki_world):
    """A forged CRL in the CA's name that lists nothing must not clear a revoked certificate."""
    await faults(pki_world, ocsp_unreachable=True, crl_forged=["issuing"])
    assert "CRL signature could not be verified" in await unavailable(pki_world, "revoked")
    assert "CRL signature could not be verified" in await unavailable(pki_world, "citizen")
    await faults(pki_world, ocsp_unreachable=True)  # the forged CRL was not kept
    assert await refusal(pki_world, "revoked") == "revoked"
    assert (await check(pki_world, "citizen")).evidence.status_source is StatusSource.CRL


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("other_certificate", "serial number does not match"),  # a "good" about another serial
        ("unauthorised_key", "unauthorized certificate"),  # certified by the CA, not as responder
    ],
)
async def test_a_dishonest_ocsp_answer_counts_for_nothing(pki_world, answer, why):
    await faults(pki_world, ocsp_answer=answer)
    assert await refusal(pki_world, "revoked") == "revoked"  # the CRL decides
    await faults(pki_world, ocsp_answer=answer, crl_unreachable=["issuing"])
    assert why in await unavailable(pki_world, "revoked")
    assert why in await unavailable(pki_world, "citizen")


async def test_a_replayed_old_good_answer_for_a_revoked_certificate_loses_to_the_crl(pki_world):
    """A "good" answer captured before the revocation (thisUpdate 20 h ago, no nonce),
    replayed on the plain-HTTP path: too old to count, so the CRL decides."""
    await faults(pki_world, ocsp_answer="replayed")
    assert await refusal(pki_world, "revoked") == "revoked"
    verified = await check(pki_world, "citizen")
    assert verified.evidence.status_source is StatusSource.CRL
    assert verified.evidence.ocsp_responses == ()  # the stale answer is no evidence


async def test_a_replayed_answer_with_the_crl_down_is_try_again_later_never_a_pass(pki_world):
    await faults(pki_world, ocsp_answer="replayed", crl_unreachable=["issuing"])
    assert "end-entity" in await unavailable(pki_world, "revoked")
    assert "end-entity" in await unavailable(pki_world, "citizen")


async def test_a_verified_crl_is_reused_until_its_next_update_at_most_its_cap(pki_world):
    now = [dt.datetime.now(dt.UTC)]
    revocation = RevocationSource(
        pki_world.session, crl_max_age=dt.timedelta(minutes=10), clock=lambda: now[0]
    )
    checker = CertificateChecker(pki_world.pki.public_anchors, revocation)
    user = pki_world.pki.users["citizen"]
    await faults(pki_world, ocsp_unreachable=True)
    await checker.check(user.der, user.chain_ders)
    fetched = pki_world.state.crl_requests
    await faults(pki_world, ocsp_unreachable=True, crl_unreachable=True)
    verified = await checker.check(user.der, user.chain_ders)  # the kept CRLs settle it
    assert verified.evidence.status_source is StatusSource.CRL
    assert pki_world.state.crl_requests == fetched
    now[0] += dt.timedelta(minutes=11)  # past the cap: asked again, and the CA is down
    with pytest.raises(RevocationUnavailable):
        await checker.check(user.der, user.chain_ders)


async def test_an_oversized_answer_is_not_read_past_the_cap(pki_world):
    revocation = RevocationSource(pki_world.session, max_body=200)  # below any CRL or OCSP
    checker = CertificateChecker(pki_world.pki.public_anchors, revocation)
    user = pki_world.pki.users["citizen"]
    with pytest.raises(RevocationUnavailable):
        await checker.check(user.der, user.chain_ders)
