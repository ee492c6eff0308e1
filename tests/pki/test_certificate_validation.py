"""Stories: which certificates regbot accepts for level 3, and why it refuses the rest."""

from __future__ import annotations

import pytest

from pki_bridge import CertificateRefused
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD, OFFICIAL_CCCD
from tests.pki.conftest import PkiWorld


async def refusal(world: PkiWorld, name: str, *, official: bool = False) -> str:
    user = world.pki.users[name]
    checker = world.gov if official else world.public
    with pytest.raises(CertificateRefused) as refused:
        await checker.check(user.der, user.chain_ders)
    return refused.value.reason


async def test_citizen_certificate_gives_the_cccd_and_name_from_the_subject(pki_world):
    user = pki_world.pki.users["citizen"]
    identity = (await pki_world.public.check(user.der, user.chain_ders)).identity
    assert identity.kind == "citizen"
    assert (identity.id_type, identity.id_number) == ("CCCD", CITIZEN_CCCD)
    assert identity.name == "Nguyễn Văn An"
    assert identity.issuer == "Test Public CA"
    assert identity.serial == format(user.certificate.serial_number, "X")


async def test_business_certificate_gives_the_tax_code_and_company(pki_world):
    user = pki_world.pki.users["business"]
    identity = (await pki_world.public.check(user.der, user.chain_ders)).identity
    assert identity.kind == "business"
    assert (identity.id_type, identity.id_number) == ("MST", BUSINESS_MST)
    assert identity.name == identity.agency == "Công ty TNHH Hoa Sen"


async def test_official_certificate_is_accepted_against_government_anchors_with_agency(pki_world):
    user = pki_world.pki.users["official"]
    identity = (await pki_world.gov.check(user.der, user.chain_ders)).identity
    assert (identity.kind, identity.id_number) == ("official", OFFICIAL_CCCD)
    assert identity.agency == "Văn phòng Bộ - Bộ Tư pháp"


async def test_official_certificate_is_not_trusted_as_a_citizen_certificate(pki_world):
    assert await refusal(pki_world, "official") == "untrusted"


async def test_citizen_certificate_is_not_trusted_as_an_official_certificate(pki_world):
    assert await refusal(pki_world, "citizen", official=True) == "untrusted"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("expired", "expired"),
        ("not_yet_valid", "not_yet_valid"),
        ("untrusted", "untrusted"),
        ("self_signed", "self_signed"),
        ("revoked", "revoked"),
        ("ca_signer", "ca_certificate"),
        ("wrong_key_usage", "key_usage"),
        ("malformed_uid", "malformed_identity"),
        ("bad_mst", "malformed_identity"),
    ],
)
async def test_a_bad_certificate_is_refused_with_its_reason(pki_world, name, reason):
    assert await refusal(pki_world, name) == reason


async def test_garbage_instead_of_a_certificate_is_refused(pki_world):
    with pytest.raises(CertificateRefused) as refused:
        await pki_world.public.check(b"not a certificate")
    assert refused.value.reason == "malformed_certificate"


async def test_a_certificate_that_names_no_revocation_source_is_refused(pki_world):
    """Hard fail: a signer certificate nobody could revoke is not accepted."""
    from pki_bridge.revocation import RevocationSource
    from pki_bridge.testing.authority import CertificateAuthority, subject_name
    from pki_bridge.validation import CertificateChecker

    root = CertificateAuthority.root("Root without CRLs")  # names neither CRL nor OCSP
    issued = root.issue(subject_name("Nguyễn Văn An", uid=f"CCCD:{CITIZEN_CCCD}"))
    checker = CertificateChecker([root.certificate], RevocationSource(pki_world.session))
    with pytest.raises(CertificateRefused) as refused:
        await checker.check(issued.der, issued.chain_ders)
    assert refused.value.reason == "no_revocation_info"
