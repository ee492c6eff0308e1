"""Stories: identity comes from the UID (or serialNumber) attributes as Vietnamese CAs
write them, each number validated like a typed one."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from pki_bridge.identity import MalformedIdentity, identity_from_certificate, parse_uid
from pki_bridge.testing.authority import UID_OID, CertificateAuthority, subject_name


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.root("Test CA")


@pytest.mark.parametrize(
    ("uid", "expected"),
    [
        ("CCCD:001090012345", ("CCCD", "001090012345")),
        ("CCCD:079305001234", ("CCCD", "079305001234")),  # born 2005
        ("CMND:012345678", ("CMND", "012345678")),
        ("HC:C1234567", ("HC", "C1234567")),
        ("MST:0100109106", ("MST", "0100109106")),
        ("MST:0100109106-001", ("MST", "0100109106001")),  # a branch
        ("MNS:1234567", ("MNS", "1234567")),
        # prefixes and separators as CAs write them
        ("cmnd:012345678", ("CMND", "012345678")),
        ("CMND-012345678", ("CMND", "012345678")),
        ("CMND 012345678", ("CMND", "012345678")),
        (" Cccd : 001090012345 ", ("CCCD", "001090012345")),
        ("CCCD=001 090 012 345", ("CCCD", "001090012345")),
        ("mst-0100109106-001", ("MST", "0100109106001")),
        ("hc:c1234567", ("HC", "C1234567")),
        ("CMND:079073009568", ("CCCD", "079073009568")),  # 12-digit CMND: the CCCD number
    ],
)
def test_known_identity_types_are_read(uid, expected):
    assert parse_uid(uid) == expected


@pytest.mark.parametrize("uid", ["BHXH:0123456789", "PID:001090012345", "001090012345", ""])
def test_values_that_name_no_identity_type_regbot_registers_are_passed_over(uid):
    assert parse_uid(uid) is None


@pytest.mark.parametrize(
    "uid",
    [
        "CCCD:12AB34",  # not digits
        "CCCD:0010900123",  # 10 digits
        "CMND:1234567",
        "HC:12345678",
        "MST:0100109107",  # bad check digit
        "MST:0100109106-1",
        "MNS:12345",
    ],
)
def test_malformed_numbers_are_refused(uid):
    with pytest.raises(MalformedIdentity) as malformed:
        parse_uid(uid)
    assert malformed.value.field == "id_number"


def issue(ca: CertificateAuthority, cn: str, *attributes: tuple[x509.ObjectIdentifier, str]):
    names = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    names += [x509.NameAttribute(oid, value) for oid, value in attributes]
    names.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return ca.issue(x509.Name(names)).certificate


def test_an_employees_certificate_names_the_person_not_the_company(ca):
    """As MobiFone's staff certificates: `O=MobiFone IT, UID=MST:0100686209-199,
    UID=CCCD:025199009534, CN=<person>`."""
    cert = issue(
        ca,
        "Nguyễn Hồng Nhung",
        (NameOID.ORGANIZATION_NAME, "MobiFone IT"),
        (UID_OID, "MST:0100686209-199"),
        (UID_OID, "CCCD:025199009534"),
    )
    identity = identity_from_certificate(cert)
    assert (identity.kind, identity.id_type, identity.id_number) == (
        "citizen",
        "CCCD",
        "025199009534",
    )


def test_an_agency_certificate_with_tax_and_budget_codes_names_the_agency_by_tax_code(ca):
    """As Đà Nẵng's health department: `UID=MST:0400260612, UID=MNS:1047665, CN=Sở Y tế`."""
    cert = issue(
        ca,
        "Sở Y tế",
        (NameOID.ORGANIZATION_NAME, "UBND thành phố Đà Nẵng"),
        (UID_OID, "MST:0400260612"),
        (UID_OID, "MNS:1047665"),
    )
    identity = identity_from_certificate(cert)
    assert (identity.kind, identity.id_type, identity.id_number) == (
        "business",
        "MST",
        "0400260612",
    )
    assert identity.agency == "UBND thành phố Đà Nẵng"


def test_an_agency_known_only_by_its_budget_code_is_an_organisation(ca):
    cert = issue(ca, "Phòng Tư pháp", (UID_OID, "MNS:1047665"))
    identity = identity_from_certificate(cert)
    assert (identity.kind, identity.id_type, identity.id_number) == ("business", "MNS", "1047665")


def test_an_identity_in_the_serial_number_attribute_is_read_too(ca):
    cert = issue(ca, "Nguyễn Văn An", (NameOID.SERIAL_NUMBER, "CCCD:001090012345"))
    assert identity_from_certificate(cert).id_number == "001090012345"


def test_a_plain_serial_number_beside_the_uid_is_not_an_identity(ca):
    cert = issue(
        ca,
        "Nguyễn Văn An",
        (NameOID.SERIAL_NUMBER, "540101018C9F6832"),
        (UID_OID, "CCCD:001090012345"),
    )
    assert identity_from_certificate(cert).id_number == "001090012345"


def test_two_different_numbers_of_one_type_are_refused(ca):
    cert = issue(
        ca, "Nguyễn Văn An", (UID_OID, "CCCD:001090012345"), (UID_OID, "CCCD:079185004321")
    )
    with pytest.raises(MalformedIdentity) as malformed:
        identity_from_certificate(cert)
    assert malformed.value.field == "uid"


def test_the_same_person_written_as_cmnd_and_cccd_is_one_identity(ca):
    cert = issue(
        ca, "Nguyễn Văn An", (UID_OID, "CMND:001090012345"), (UID_OID, "CCCD:001090012345")
    )
    assert identity_from_certificate(cert).id_number == "001090012345"


def test_a_subject_with_only_unknown_identity_types_is_refused(ca):
    cert = issue(ca, "Nguyễn Văn An", (UID_OID, "BHXH:0123456789"))
    with pytest.raises(MalformedIdentity) as malformed:
        identity_from_certificate(cert)
    assert (malformed.value.field, str(malformed.value)) == ("uid", "uid: unknown identity type")


def test_an_id_number_written_only_in_the_common_name_is_not_an_identity(ca):
    issued = ca.issue(subject_name("Nguyễn Văn An CCCD:001090012345"))
    with pytest.raises(MalformedIdentity) as malformed:
        identity_from_certificate(issued.certificate)
    assert malformed.value.field == "uid"


def test_an_official_needs_a_personal_number_and_an_agency(ca):
    no_agency = ca.issue(subject_name("Trần Thị Bích", uid="CCCD:079185004321"))
    with pytest.raises(MalformedIdentity) as malformed:
        identity_from_certificate(no_agency.certificate, official=True)
    assert malformed.value.field == "agency"
    organisation = ca.issue(
        subject_name("Bộ Tư pháp", uid="MST:0100109106", organization="Bộ Tư pháp")
    )
    with pytest.raises(MalformedIdentity):
        identity_from_certificate(organisation.certificate, official=True)


def test_an_official_agency_comes_from_o_alone_when_there_is_no_ou(ca):
    issued = ca.issue(
        subject_name("Trần Thị Bích", uid="CMND:012345678", organization="UBND tỉnh Bắc Ninh")
    )
    identity = identity_from_certificate(issued.certificate, official=True)
    assert (identity.kind, identity.id_type, identity.agency) == (
        "official",
        "CMND",
        "UBND tỉnh Bắc Ninh",
    )


def test_a_certificate_of_a_citizen_born_abroad_is_accepted_like_a_typed_cccd() -> None:
    """A place code outside the 63 provinces is a birth registered abroad (a country code)."""
    assert parse_uid("CCCD:703090012345") == ("CCCD", "703090012345")
