"""Stories: identity comes from the UID attribute, validated like typed numbers."""

from __future__ import annotations

import pytest

from pki_bridge.authority import CertificateAuthority, subject_name
from pki_bridge.identity import MalformedIdentity, identity_from_certificate, parse_uid


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
    ],
)
def test_known_identity_types_are_read(uid, expected):
    assert parse_uid(uid) == expected


@pytest.mark.parametrize(
    "uid",
    [
        "CCCD:12AB34",  # not digits
        "CCCD:001590012345",  # 5 is no century digit of a living person
        "CCCD:001399012345",  # born in 2099: in the future
        "CMND:1234567",
        "MST:0100109107",  # bad check digit
        "XYZ:123",
        "001090012345",
    ],
)
def test_malformed_numbers_are_refused(uid):
    with pytest.raises(MalformedIdentity):
        parse_uid(uid)


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
