"""Who a certificate names: identity read from the subject by OID, numbers validated."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final, Literal

from cryptography import x509
from cryptography.x509.oid import NameOID
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from pki_bridge.authority import UID_OID

Kind = Literal["citizen", "business", "official"]

PERSONAL_ID_TYPES: Final = frozenset({"CCCD", "CMND", "HC"})
ORGANISATION_ID_TYPES: Final = frozenset({"MST", "MNS"})

_CENTURY: Final = {0: 1900, 1: 1900, 2: 2000, 3: 2000}  # gender/century digit -> century
_PASSPORT: Final = re.compile(r"[A-Z][0-9]{7,8}")
_MNS: Final = re.compile(r"[0-9]{7}")


class MalformedIdentity(ValueError):
    """The subject does not name a person or organisation the way regbot can trust.

    `field` is what is wrong: "uid", "id_number", "name" or "agency".
    """

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field


@dataclass(frozen=True, slots=True)
class CertifiedIdentity:
    """The identity a validated certificate vouches for."""

    kind: Kind
    id_type: str  # CCCD | CMND | HC | MST | MNS
    id_number: str
    name: str  # CN: the person's or organisation's name
    agency: str | None  # O / OU (officials: their agency; businesses: O)
    serial: str  # certificate serial number, hex
    issuer: str  # issuer CN
    not_after: dt.datetime


def valid_cccd(number: str, *, today: dt.date | None = None) -> bool:
    """12 digits: place code, century/gender digit, two-digit birth year, 6 digits.

    The rules of a typed CCCD (bot.validation): a place code outside the 63 provinces is
    a birth registered abroad, not an error; a birth year after this year cannot be.
    """
    if not re.fullmatch(r"[0-9]{12}", number):
        return False
    century = _CENTURY.get(int(number[3]))
    if century is None:
        return False
    year = century + int(number[4:6])
    return year <= (today or dt.date.today()).year


def valid_cmnd(number: str) -> bool:
    """The old identity card: 9 digits (or 12 for the late issues)."""
    return bool(re.fullmatch(r"[0-9]{9}|[0-9]{12}", number))


def valid_mst(number: str) -> bool:
    """A tax code (10 digits, or 13 for a branch) with a correct check digit."""
    try:
        mst.validate(number)
    except StdnumError:
        return False
    return True


_VALIDATORS: Final = {
    "CCCD": valid_cccd,
    "CMND": valid_cmnd,
    "HC": lambda n: bool(_PASSPORT.fullmatch(n)),
    "MST": valid_mst,
    "MNS": lambda n: bool(_MNS.fullmatch(n)),
}


def _single(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    if len(values) > 1:
        raise MalformedIdentity("uid" if oid == UID_OID else "name", "repeated attribute")
    value = values[0].value
    return value.strip() if isinstance(value, str) else None


def parse_uid(uid: str) -> tuple[str, str]:
    """`"CCCD:001090012345"` -> `("CCCD", "001090012345")`, validated."""
    id_type, sep, number = uid.partition(":")
    id_type = id_type.strip().upper()
    number = number.strip().replace("-", "")
    if not sep or id_type not in _VALIDATORS:
        raise MalformedIdentity("uid", "unknown identity type")
    if id_type == "MST":
        number = mst.compact(number)
    if not _VALIDATORS[id_type](number):
        raise MalformedIdentity("id_number", f"invalid {id_type}")
    return id_type, number


def identity_from_certificate(
    cert: x509.Certificate, *, official: bool = False
) -> CertifiedIdentity:
    """Read the identity from the subject's UID, CN, O and OU.

    `official` says the certificate validated against the Government CA anchors: then it
    must name a person (CCCD/CMND/HC) and the agency (O and/or OU) they work for.

    Raises:
        MalformedIdentity: a missing, repeated or invalid attribute.
    """
    subject = cert.subject
    uid = _single(subject, UID_OID)
    if not uid:
        raise MalformedIdentity("uid", "missing")
    id_type, number = parse_uid(uid)
    name = _single(subject, NameOID.COMMON_NAME)
    if not name:
        raise MalformedIdentity("name", "missing")
    org = _single(subject, NameOID.ORGANIZATION_NAME)
    unit = _single(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    agency = " - ".join(part for part in (unit, org) if part) or None
    kind: Kind
    if official:
        if id_type not in PERSONAL_ID_TYPES:
            raise MalformedIdentity("uid", "an official certificate names a person")
        if agency is None:
            raise MalformedIdentity("agency", "missing")
        kind = "official"
    elif id_type in ORGANISATION_ID_TYPES:
        kind, agency = "business", org
    else:
        kind, agency = "citizen", None
    issuer_cn = _single(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string()
    return CertifiedIdentity(
        kind=kind,
        id_type=id_type,
        id_number=number,
        name=name,
        agency=agency,
        serial=format(cert.serial_number, "X"),
        issuer=issuer_cn,
        not_after=cert.not_valid_after_utc,
    )
