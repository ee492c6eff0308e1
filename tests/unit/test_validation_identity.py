"""A person types a CCCD/CMND, passport, tax code or BHXH code: accepted, or told why not."""

from __future__ import annotations

from datetime import date

import pytest

from bot.accounts.model import IdType
from bot.validation import (
    PROVINCE_CODES,
    Gender,
    cccd_birth_year,
    check_birth_year,
    parse_bhxh_code,
    parse_cccd,
    parse_citizen_id,
    parse_cmnd,
    parse_passport,
    parse_tax_code,
)
from tests.support.validation import refusal, translator


def test_the_official_province_list_has_63_codes_of_three_digits() -> None:
    assert len(PROVINCE_CODES) == 63
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)
    assert {"001", "079", "096"} <= PROVINCE_CODES and "003" not in PROVINCE_CODES


@pytest.mark.parametrize(
    ("typed", "number", "gender", "year"),
    [
        ("001090012345", "001090012345", Gender.MALE, 1990),
        ("001 190 012 345", "001190012345", Gender.FEMALE, 1990),
        ("  079301012345 ", "079301012345", Gender.FEMALE, 2001),
        ("096.200.012.345", "096200012345", Gender.MALE, 2000),
    ],
)
def test_citizen_with_a_cccd_gets_it_accepted_with_gender_and_birth_year(
    typed: str, number: str, gender: Gender, year: int
) -> None:
    result = parse_citizen_id(typed, birth_date=date(year, 5, 17))
    assert (result.id_type, result.number, result.gender, result.birth_year) == (
        IdType.CCCD,
        number,
        gender,
        year,
    )
    assert result.note is None


@pytest.mark.parametrize(
    ("digit4", "year"),
    [
        ("0", 1905),
        ("1", 1905),
        ("2", 2005),
        ("3", 2005),
        ("4", 2105),
        ("5", 2105),
        ("6", 2205),
        ("7", 2205),
        ("8", 2305),
        ("9", 2305),
    ],
)
def test_the_fourth_digit_gives_the_century(digit4: str, year: int) -> None:
    assert cccd_birth_year(f"001{digit4}05012345") == year
    expected = Gender.FEMALE if int(digit4) % 2 else Gender.MALE
    assert parse_cccd(f"001{digit4}05012345").gender == expected


def test_citizen_born_abroad_is_accepted_with_a_note_about_the_place_code() -> None:
    result = parse_citizen_id("003090012345", birth_date=date(1990, 1, 2))
    assert result.id_type == IdType.CCCD and result.number == "003090012345"
    assert result.note is not None
    assert result.note.key == "validation.cccd.unknown_place"
    assert "003" in translator().render(result.note, "vi")
    assert "003" in translator().render(result.note, "en")


def test_citizen_whose_birth_year_differs_from_the_cccd_is_told_both_years() -> None:
    message = refusal(parse_citizen_id, "001090012345", birth_date=date(1991, 5, 17))
    assert message.key == "validation.cccd.birth_year_mismatch"
    text = translator().render(message, "vi")
    assert "1991" in text and "1990" in text


def test_the_birth_year_check_also_works_when_the_date_comes_after_the_id() -> None:
    cccd = parse_citizen_id("001090012345")
    check_birth_year(cccd, date(1990, 12, 31))
    assert refusal(check_birth_year, cccd, date(2090, 1, 1)).key == (
        "validation.cccd.birth_year_mismatch"
    )
    check_birth_year(parse_cmnd("123456789"), date(1975, 1, 1))  # a CMND encodes no year


def test_citizen_with_an_old_nine_digit_cmnd_gets_it_accepted() -> None:
    result = parse_citizen_id("123 456 789", birth_date=date(1975, 1, 1))
    assert (result.id_type, result.number, result.gender, result.note) == (
        IdType.CMND,
        "123456789",
        None,
        None,
    )
    assert parse_cmnd("123456789").number == "123456789"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("12345678901", "validation.id.length"),
        ("0010900123456", "validation.id.length"),
        ("00109001234a", "validation.id.not_digits"),
        ("*101#", "validation.id.not_digits"),
        ("#", "validation.id.not_digits"),
        ("   ", "validation.empty"),
        ("001090\n012345", "validation.control_chars"),
        ("١٢٣٤٥٦٧٨٩", "validation.id.not_digits"),
    ],
)
def test_citizen_with_a_wrong_id_number_is_told_what_is_wrong(typed: str, key: str) -> None:
    assert refusal(parse_citizen_id, typed).key == key


def test_the_length_message_says_how_many_digits_were_typed() -> None:
    message = refusal(parse_citizen_id, "12345678901")
    assert "11" in translator().render(message, "vi")
    assert "11" in translator().render(message, "en")


@pytest.mark.parametrize(
    ("parse", "typed", "key"),
    [
        (parse_cccd, "123456789", "validation.cccd.length"),
        (parse_cccd, "CCCD001090012345", "validation.cccd.not_digits"),
        (parse_cmnd, "001090012345", "validation.cmnd.length"),
        (parse_cmnd, "12345678x", "validation.cmnd.not_digits"),
    ],
)
def test_a_card_type_that_was_asked_for_explicitly_gets_its_own_message(
    parse: object, typed: str, key: str
) -> None:
    assert refusal(parse, typed).key == key  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "number"),
    [("B1234567", "B1234567"), ("c1234567", "C1234567"), (" N 1234567 ", "N1234567")],
)
def test_a_vietnamese_passport_number_is_accepted_upper_case(typed: str, number: str) -> None:
    result = parse_passport(typed)
    assert (result.id_type, result.number) == (IdType.HC, number)


@pytest.mark.parametrize("typed", ["1234567", "BB123456", "B123456", "B12345678", "Đ1234567", "*#"])
def test_a_malformed_passport_number_is_refused_with_an_example(typed: str) -> None:
    assert refusal(parse_passport, typed).key == "validation.passport.format"


@pytest.mark.parametrize(
    ("typed", "compact"),
    [
        ("0100109106", "0100109106"),
        ("0100109106-001", "0100109106001"),
        ("0100109106001", "0100109106001"),
        ("0312 687 878 - 001", "0312687878001"),
        ("01.00.112.437", "0100112437"),
    ],
)
def test_a_business_tax_code_is_accepted_in_compact_form(typed: str, compact: str) -> None:
    assert parse_tax_code(typed) == compact


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("0100109107", "validation.mst.checksum"),
        ("010010910", "validation.mst.length"),
        ("01001091060012", "validation.mst.length"),
        ("01001091O6", "validation.mst.not_digits"),
        ("0100109106-000", "validation.mst.invalid"),
        ("*123#", "validation.mst.not_digits"),
    ],
)
def test_a_wrong_tax_code_is_refused_with_the_reason(typed: str, key: str) -> None:
    assert refusal(parse_tax_code, typed).key == key


@pytest.mark.parametrize(
    ("typed", "code"), [("0123456789", "0123456789"), ("01 2345 6789", "0123456789")]
)
def test_an_insured_person_types_a_ten_digit_bhxh_code(typed: str, code: str) -> None:
    assert parse_bhxh_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("012345678", "validation.bhxh.length"),
        ("01234567890", "validation.bhxh.length"),
        ("012345678a", "validation.bhxh.not_digits"),
        ("*123#", "validation.bhxh.not_digits"),
    ],
)
def test_a_wrong_bhxh_code_is_refused_with_the_reason(typed: str, key: str) -> None:
    assert refusal(parse_bhxh_code, typed).key == key


def test_full_width_digits_from_an_east_asian_keyboard_are_read_as_digits() -> None:
    from bot.validation import parse_bhxh_code, parse_citizen_id, parse_otp

    assert parse_citizen_id("００１０９００１２３４５").number == "001090012345"
    assert parse_bhxh_code("０１２３４５６７８９") == "0123456789"
    assert parse_otp("１２３ ４５６") == "123456"
