"""Identity numbers people type: CCCD, CMND, passport, tax code (MST), budget-unit code
(MNS), BHXH code. Certificates' identity numbers go through the same validators.

Rules: a CCCD is 12 digits - digits 1-3 the birth-registration province (63 official
codes; others, e.g. country codes for births registered abroad, are accepted with a
note), digit 4 century and gender, digits 5-6 the last two digits of the birth year.
There is no check digit. A CMND is 9 digits; the 12-digit CMND issued 2012-2016 uses
the CCCD layout, so every 12-digit number is read with the CCCD rules, and a birth year
that does not fit is refused with the CCCD message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from bot.accounts.model import IdType
from bot.i18n import Msg, msg
from bot.validation.limits import clean, compact_digits, invalid

PROVINCE_CODES: Final = frozenset(
    """001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031
    033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062
    064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093
    094 095 096""".split()
)

_PASSPORT: Final = re.compile(r"[A-Za-z]\d{7}")


class Gender(StrEnum):
    """As the BHXH register spells it."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A validated identity number.

    Attributes:
        note: something the dialog should show although the number is accepted
            (e.g. a CCCD province code outside the official list).
    """

    id_type: IdType
    number: str
    gender: Gender | None = None
    birth_year: int | None = None
    note: Msg | None = None


def _digits(text: str, field: str) -> str:
    number = compact_digits(clean(text))
    if not number.isdecimal() or not number.isascii():
        raise invalid(f"validation.{field}.not_digits")
    return number


def cccd_birth_year(number: str) -> int:
    """Birth year encoded in digits 4-6 of a 12-digit CCCD."""
    return 1900 + 100 * (int(number[3]) // 2) + int(number[4:6])


def _read_cccd(number: str, birth_date: date | None) -> IdNumber:
    year = cccd_birth_year(number)
    result = IdNumber(
        id_type=IdType.CCCD,
        number=number,
        gender=Gender.FEMALE if int(number[3]) % 2 else Gender.MALE,
        birth_year=year,
        note=None
        if number[:3] in PROVINCE_CODES
        else msg("validation.cccd.unknown_place", code=number[:3]),
    )
    if birth_date is not None:
        check_birth_year(result, birth_date)
    return result


def check_birth_year(id_number: IdNumber, birth_date: date) -> None:
    """Refuse a birth date whose year differs from the one a CCCD encodes.

    Works at either step: the dialog may ask for the ID before or after the date.
    """
    if id_number.birth_year is not None and id_number.birth_year != birth_date.year:
        raise invalid(
            "validation.cccd.birth_year_mismatch",
            year=birth_date.year,
            cccd_year=id_number.birth_year,
        )


def parse_cccd(text: str, birth_date: date | None = None) -> IdNumber:
    """A 12-digit CCCD; with `birth_date`, its year must match the encoded one."""
    number = _digits(text, "cccd")
    if len(number) != 12:
        raise invalid("validation.cccd.length", count=len(number))
    return _read_cccd(number, birth_date)


def parse_cmnd(text: str) -> IdNumber:
    """A 9-digit CMND (a 12-digit one goes through `parse_citizen_id`)."""
    number = _digits(text, "cmnd")
    if len(number) != 9:
        raise invalid("validation.cmnd.length", count=len(number))
    return IdNumber(id_type=IdType.CMND, number=number)


def parse_citizen_id(text: str, birth_date: date | None = None) -> IdNumber:
    """What the dialog asks as "CCCD/CMND": 12 digits -> CCCD rules, 9 digits -> CMND."""
    number = _digits(text, "id")
    if len(number) == 12:
        return _read_cccd(number, birth_date)
    if len(number) == 9:
        return IdNumber(id_type=IdType.CMND, number=number)
    raise invalid("validation.id.length", count=len(number))


def parse_passport(text: str) -> IdNumber:
    """A Vietnamese passport number: one letter and 7 digits, returned upper-case."""
    number = compact_digits(clean(text))
    if not _PASSPORT.fullmatch(number) or not number.isascii():
        raise invalid("validation.passport.format")
    return IdNumber(id_type=IdType.HC, number=number.upper())


def parse_tax_code(text: str) -> str:
    """A tax code (MST), 10 digits or 10 + 3-digit branch; returns the compact form."""
    number = _digits(text, "mst")
    try:
        return str(mst.validate(number))
    except stdnum_errors.InvalidLength:
        raise invalid("validation.mst.length", count=len(number)) from None
    except stdnum_errors.InvalidChecksum:
        raise invalid("validation.mst.checksum") from None
    except stdnum_errors.ValidationError:
        raise invalid("validation.mst.invalid") from None


def parse_budget_code(text: str) -> str:
    """A budget-unit code (mã số đơn vị có quan hệ với ngân sách, MNS): 7 digits. Agencies'
    certificates carry it beside or instead of a tax code."""
    number = _digits(text, "mns")
    if len(number) != 7:
        raise invalid("validation.mns.length", count=len(number))
    return number


def parse_bhxh_code(text: str) -> str:
    """A social-insurance (BHXH) code: exactly 10 digits."""
    number = _digits(text, "bhxh")
    if len(number) != 10:
        raise invalid("validation.bhxh.length", count=len(number))
    return number
