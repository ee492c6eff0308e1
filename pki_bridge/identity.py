"""Who a certificate names: the identity numbers Vietnamese CAs write into the subject,
each checked by the validators of typed numbers (`bot.validation`).

What CAs write, as seen in certificates and in code that reads them: one or more UID
attributes (0.9.2342.19200300.100.1.1) holding `TYPE:number` - `CCCD:` (VNPT SmartCA,
`UID=CCCD:038093015572`), `CMND:` (9 or 12 digits), `HC:` (passport), `MST:` (tax code,
`MST:0100686209-199` for a branch) and `MNS:` (budget-unit code of an agency, beside its
`MST:`); an employee's certificate carries the organisation's `MST:` and the person's
`CCCD:` together. The prefix comes in any case and with `:`, `-`, `=` or spaces before the
number; some CAs use the serialNumber attribute (2.5.4.5) the same way. Other prefixes
(`BHXH:`, `PID:`...) are not identities regbot registers and are passed over.

A branch's tax code (`0100109106-001`) is the branch's own: Thông tư 105/2020/TT-BTC
(Art. 5) gives each dependent unit (branch, representative office) a 13-digit code of its
own, under which it files and is issued certificates. The duplicate check ("Mã số thuế
của Doanh nghiệp", guide §1.3) keys on the whole code: a branch and its head office are
two registrants.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from bot.validation import (
    parse_budget_code,
    parse_cccd,
    parse_citizen_id,
    parse_passport,
    parse_tax_code,
)

UID_OID: Final = x509.ObjectIdentifier("0.9.2342.19200300.100.1.1")  # userId: CCCD:..., MST:...

Kind = Literal["citizen", "business", "official"]

PERSONAL_ID_TYPES: Final[tuple[str, ...]] = ("CCCD", "CMND", "HC")  # first present: the person
ORGANISATION_ID_TYPES: Final[tuple[str, ...]] = ("MST", "MNS")  # first present: the organisation

_PREFIXED: Final = re.compile(r"\s*([A-Za-z]+)\s*(?:[:=\-]|\s)\s*(\S.*)", re.DOTALL)


def _cmnd(number: str) -> tuple[str, str]:
    """A 12-digit CMND (issued 2012-2016) is the person's CCCD number, as when typed."""
    read = parse_citizen_id(number)
    return str(read.id_type), read.number


# type -> the validator of typed input, giving the type the number is known as
_READERS: Final[dict[str, Callable[[str], tuple[str, str]]]] = {
    "CCCD": lambda n: ("CCCD", parse_cccd(n).number),
    "CMND": _cmnd,
    "HC": lambda n: ("HC", parse_passport(n).number),
    "MST": lambda n: ("MST", parse_tax_code(n)),
    "MNS": lambda n: ("MNS", parse_budget_code(n)),
}


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


def _single(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    if len(values) > 1:
        raise MalformedIdentity("name", "repeated attribute")
    value = values[0].value
    return value.strip() if isinstance(value, str) else None


def parse_uid(value: str) -> tuple[str, str] | None:
    """`"CCCD:001090012345"`, `"cmnd-012345678"`, `"MST : 0100109106-001"` -> the type and
    the number in its validated, compact form; None for a prefix that is no identity type.

    Raises:
        MalformedIdentity: a known type whose number the typed-number validator refuses.
    """
    from bot.engine.spec import Invalid  # late, as in bot.validation.limits

    found = _PREFIXED.fullmatch(value)
    reader = _READERS.get(found.group(1).upper()) if found else None
    if found is None or reader is None:
        return None
    try:
        return reader(found.group(2))
    except Invalid as exc:
        raise MalformedIdentity("id_number", f"invalid {found.group(1).upper()}") from exc


def identity_numbers(subject: x509.Name) -> dict[str, str]:
    """Every identity number the subject carries, by type, from the UID and serialNumber
    attributes.

    Raises:
        MalformedIdentity: none at all, an invalid number, or two different numbers of one
            type.
    """
    values = [
        str(attribute.value)
        for oid in (UID_OID, NameOID.SERIAL_NUMBER)
        for attribute in subject.get_attributes_for_oid(oid)
    ]
    numbers: dict[str, str] = {}
    for value in values:
        parsed = parse_uid(value)
        if parsed is None:
            continue
        id_type, number = parsed
        if numbers.setdefault(id_type, number) != number:
            raise MalformedIdentity("uid", f"two different {id_type} numbers")
    if not numbers:
        raise MalformedIdentity("uid", "unknown identity type" if values else "missing")
    return numbers


def identity_from_certificate(
    cert: x509.Certificate, *, official: bool = False
) -> CertifiedIdentity:
    """Read the identity from the subject's identity numbers, CN, O and OU.

    A personal number (CCCD, CMND, passport) makes it a person's certificate, even beside
    the organisation's tax code (an employee's certificate); otherwise the tax code (or
    budget-unit code) makes it an organisation's. `official` says the certificate
    validated against the Government CA anchors: then it must name a person and the
    agency (O and/or OU) they work for.

    Raises:
        MalformedIdentity: a missing, repeated or invalid attribute.
    """
    subject = cert.subject
    numbers = identity_numbers(subject)
    person = next(((t, numbers[t]) for t in PERSONAL_ID_TYPES if t in numbers), None)
    organisation = next(((t, numbers[t]) for t in ORGANISATION_ID_TYPES if t in numbers), None)
    name = _single(subject, NameOID.COMMON_NAME)
    if not name:
        raise MalformedIdentity("name", "missing")
    org = _single(subject, NameOID.ORGANIZATION_NAME)
    unit = _single(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    agency = " - ".join(part for part in (unit, org) if part) or None
    kind: Kind
    if official:
        if person is None:
            raise MalformedIdentity("uid", "an official certificate names a person")
        if agency is None:
            raise MalformedIdentity("agency", "missing")
        kind, (id_type, number) = "official", person
    elif person is not None:
        kind, (id_type, number), agency = "citizen", person, None
    else:
        assert organisation is not None  # identity_numbers found at least one
        kind, (id_type, number), agency = "business", organisation, org
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
