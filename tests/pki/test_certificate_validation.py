"""Stories: which certificates regbot accepts for level 3, and why it refuses the rest."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki_bridge import CertificateRefused
from pki_bridge.testing.authority import subject_name
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
        ("web_server", "extended_key_usage"),
        ("weak_key", "weak_key"),
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


HOA_SEN = subject_name(
    "Công ty TNHH Hoa Sen", uid=f"MST:{BUSINESS_MST}", organization="Công ty TNHH Hoa Sen"
)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
MICROSOFT_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
ADOBE_AUTHENTIC_DOCUMENTS = x509.ObjectIdentifier("1.2.840.113583.1.1.5")


@pytest.mark.parametrize(
    "purposes",
    [
        [ExtendedKeyUsageOID.SERVER_AUTH],  # the company's website certificate
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        [ExtendedKeyUsageOID.CLIENT_AUTH],  # logging in is not signing
        [ExtendedKeyUsageOID.OCSP_SIGNING],  # a CA's responder
        [ExtendedKeyUsageOID.CODE_SIGNING],  # software
        [ExtendedKeyUsageOID.TIME_STAMPING],  # a time-stamping authority
    ],
    ids=["server", "server+client", "client", "ocsp", "code", "timestamp"],
)
async def test_a_certificate_its_ca_limited_to_another_purpose_cannot_open_a_level3_account(
    pki_world, purposes
):
    issued = pki_world.pki.issuing.issue(HOA_SEN, extended_usage=purposes)
    with pytest.raises(CertificateRefused) as refused:
        await pki_world.public.check(issued.der, issued.chain_ders)
    assert refused.value.reason == "extended_key_usage"
    assert refused.value.message.key == "pki.refused.extended_key_usage"


@pytest.mark.parametrize(
    "purposes",
    [
        [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],  # a VN token
        [ExtendedKeyUsageOID.EMAIL_PROTECTION],
        [DOCUMENT_SIGNING],
        [MICROSOFT_DOCUMENT_SIGNING],
        [ADOBE_AUTHENTIC_DOCUMENTS],
        [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE],
    ],
    ids=["client+email", "email", "document", "microsoft", "adobe", "any"],
)
async def test_a_certificate_for_signing_documents_opens_a_level3_account(pki_world, purposes):
    issued = pki_world.pki.issuing.issue(HOA_SEN, extended_usage=purposes)
    identity = (await pki_world.public.check(issued.der, issued.chain_ders)).identity
    assert (identity.kind, identity.id_number) == ("business", BUSINESS_MST)


AN = subject_name("Nguyễn Văn An", uid=f"CCCD:{CITIZEN_CCCD}")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(lambda: rsa.generate_private_key(65537, 1024), id="rsa-1024"),
        pytest.param(lambda: rsa.generate_private_key(65537, 2040), id="rsa-2040"),
        pytest.param(lambda: ec.generate_private_key(ec.SECP192R1()), id="p-192"),
        pytest.param(lambda: ec.generate_private_key(ec.SECP224R1()), id="p-224"),
        pytest.param(lambda: ec.generate_private_key(ec.SECP256K1()), id="secp256k1"),
        pytest.param(lambda: dsa.generate_private_key(1024), id="dsa-1024"),
    ],
)
async def test_a_certificate_with_a_weak_key_cannot_open_a_level3_account(pki_world, key):
    issued = pki_world.pki.issuing.issue(AN, public_key=key().public_key())
    with pytest.raises(CertificateRefused) as refused:
        await pki_world.public.check(issued.der, issued.chain_ders)
    assert refused.value.reason == "weak_key"
    assert refused.value.message.key == "pki.refused.weak_key"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(lambda: rsa.generate_private_key(65537, 3072), id="rsa-3072"),
        pytest.param(lambda: ec.generate_private_key(ec.SECP384R1()), id="p-384"),
        pytest.param(lambda: ec.generate_private_key(ec.SECP521R1()), id="p-521"),
    ],
)
async def test_a_certificate_with_a_strong_key_opens_a_level3_account(pki_world, key):
    """RSA 2048 and P-256 are the test PKI's citizen and business."""
    issued = pki_world.pki.issuing.issue(AN, public_key=key().public_key())
    identity = (await pki_world.public.check(issued.der, issued.chain_ders)).identity
    assert identity.id_number == CITIZEN_CCCD
