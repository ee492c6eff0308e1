"""Personal details people type: full name, date of birth, mobile number, email."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.validation.limits import clean, invalid

NAME_MIN: Final = 2
NAME_MAX: Final = 80
EARLIEST_BIRTH_YEAR: Final = 1900

_APOSTROPHES: Final = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# `*` and `#` too: a keypad phone on USSD has no `/`; one separator throughout
_DATE: Final = re.compile(r"(\d{1,2})\s*([/.\-*#\s])\s*(\d{1,2})\s*\2\s*(\d{4})")
_COMPACT_DATE: Final = re.compile(r"(\d{2})()(\d{2})(\d{4})")  # ddmmyyyy
_PHONE_CHARS: Final = re.compile(r"\+?[\d\s.\-()]+")
_MOBILE_TYPES: Final = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("So", "Sk", "Cs", "Co")
        or 0x1F000 <= code <= 0x1FAFF
        or code in (0x200D, 0xFE0F, 0xFE0E, 0x20E3)
    )


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and "LATIN" in unicodedata.name(ch, "")


def parse_full_name(text: str) -> str:
    """A full name in Latin (Vietnamese) letters, with or without diacritics.

    Returned in NFKC with single spaces, and typographic apostrophes as `'`, so the same
    name typed on two keyboards is stored the same way: NFKC, not NFC, so that letters
    of a compatibility form (full-width `Ｎｇｕｙｅｎ`, a ligature) become the letters
    every screen shows and the registers compare. Case is kept as typed.
    """
    name = " ".join(unicodedata.normalize("NFKC", clean(text)).translate(_APOSTROPHES).split())
    previous = ""
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("N"):
            raise invalid("validation.name.digits")
        if _is_emoji(ch):
            raise invalid("validation.name.emoji")
        combining_on_letter = category == "Mn" and _is_latin_letter(previous)
        if not (_is_latin_letter(ch) or ch in " -'" or combining_on_letter):
            if category.startswith(("P", "S")):
                raise invalid("validation.name.punctuation", chars=ch)
            raise invalid("validation.name.letters")
        if not combining_on_letter:
            previous = ch
    if len(name) < NAME_MIN:
        raise invalid("validation.name.too_short", minimum=NAME_MIN)
    if len(name) > NAME_MAX:
        raise invalid("validation.name.too_long", maximum=NAME_MAX, count=len(name))
    if not (_is_latin_letter(name[0]) and _is_latin_letter(name[-1])):
        raise invalid("validation.name.edges")
    return name


def _fold(name: str) -> str:
    """Case- and accent-free form of a name: `Đặng  Thị` -> `dang thi`."""
    text = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def names_match(a: str, b: str) -> bool:
    """Whether two names are the same person's name as registers compare them.

    Case, diacritics (đ = d) and spacing are ignored: people often type without
    diacritics, and the carrier and BHXH registers hold them with.
    """
    folded = _fold(a)
    return bool(folded) and folded == _fold(b)


def parse_birth_date(text: str, today: date) -> date:
    """A date of birth as `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, and
    for keypads `dd*mm*yyyy`, `dd mm yyyy` or `ddmmyyyy`)."""
    typed = unicodedata.normalize("NFKC", clean(text))
    match = _DATE.fullmatch(typed) or _COMPACT_DATE.fullmatch(typed)
    if match is None:
        raise invalid("validation.birth_date.format")
    day, _, month, year = match.groups()
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        raise invalid("validation.birth_date.not_a_date", date=f"{day}/{month}/{year}") from None
    if born > today:
        raise invalid("validation.birth_date.future")
    if born.year < EARLIEST_BIRTH_YEAR:
        raise invalid("validation.birth_date.too_early", year=EARLIEST_BIRTH_YEAR)
    return born


def parse_phone(text: str) -> str:
    """A Vietnamese mobile number in any usual local form; returned in E.164."""
    raw = clean(text)
    if not _PHONE_CHARS.fullmatch(raw):
        raise invalid("validation.phone.format")
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        raise invalid("validation.phone.format") from None
    if not phonenumbers.is_valid_number(number):
        raise invalid("validation.phone.format")
    if phonenumbers.region_code_for_number(number) != "VN":
        raise invalid("validation.phone.foreign")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise invalid("validation.phone.landline")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_email(text: str) -> str:
    """An email address, syntax only (no DNS), ASCII only as the portal takes it."""
    raw = clean(text)
    if "@" not in raw:
        raise invalid("validation.email.no_at")
    if not raw.isascii():
        raise invalid("validation.email.not_ascii")
    try:
        result = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise invalid("validation.email.invalid") from None
    return str(result.normalized)
