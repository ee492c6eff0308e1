"""Limits every input meets, the OTP code, and what masked personal data looks like."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from bot.validation import (
    MAX_INPUT_LENGTH,
    check_length,
    check_password,
    clean,
    mask_email,
    mask_id,
    mask_phone,
    parse_bhxh_code,
    parse_birth_date,
    parse_cccd,
    parse_citizen_id,
    parse_cmnd,
    parse_email,
    parse_full_name,
    parse_otp,
    parse_passport,
    parse_phone,
    parse_tax_code,
)
from tests.support.validation import refusal, translator

PARSERS: list[Callable[[str], object]] = [
    parse_citizen_id,
    parse_cccd,
    parse_cmnd,
    parse_passport,
    parse_tax_code,
    parse_bhxh_code,
    parse_full_name,
    lambda text: parse_birth_date(text, today=date(2026, 11, 27)),
    parse_phone,
    parse_email,
    check_password,
    parse_otp,
]


def test_an_input_of_exactly_the_limit_is_read() -> None:
    assert check_length("a" * MAX_INPUT_LENGTH) == "a" * MAX_INPUT_LENGTH


@pytest.mark.parametrize("size", [MAX_INPUT_LENGTH + 1, 10 * 1024, 1_000_000])
def test_an_input_over_the_limit_is_refused_saying_the_limit(size: int) -> None:
    message = refusal(check_length, "9" * size)
    assert message.key == "validation.too_long"
    assert "1000" in translator().render(message, "en")


@pytest.mark.parametrize("parse", PARSERS)
def test_every_validator_refuses_a_10_kb_paste_before_reading_it(
    parse: Callable[[str], object],
) -> None:
    assert refusal(parse, "0912345678 " * 931).key == "validation.too_long"


@pytest.mark.parametrize("parse", PARSERS)
def test_every_validator_refuses_control_characters(parse: Callable[[str], object]) -> None:
    assert refusal(parse, "0912\x1b345678").key == "validation.control_chars"


def test_surrounding_whitespace_is_dropped_and_blank_input_refused() -> None:
    assert clean("  \t 0912345678 \n") == "0912345678"
    assert refusal(clean, " \n ").key == "validation.empty"
    assert refusal(clean, "a\u2028b").key == "validation.control_chars"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123456", "123456"), ("123 456", "123456"), (" 012345 ", "012345"), ("123-456", "123456")],
)
def test_citizen_types_the_otp_from_the_sms(typed: str, code: str) -> None:
    assert parse_otp(typed) == code


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "*123#", "١٢٣٤٥٦"])
def test_a_malformed_otp_is_refused_saying_it_has_six_digits(typed: str) -> None:
    message = refusal(parse_otp, typed)
    assert message.key == "validation.otp.format"
    assert "6" in translator().render(message, "vi")


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("001090012345", "001*******45"),
        ("123456789", "123****89"),
        ("0100109106001", "010********01"),
        ("B1234567", "B12***67"),
        ("12345", "*****"),
    ],
)
def test_an_id_number_is_shown_with_only_its_ends(number: str, masked: str) -> None:
    assert mask_id(number) == masked


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+84912345678", "09*****678"),
        ("+84332345678", "03*****678"),
        ("+16502530000", "+1*******000"),
    ],
)
def test_a_phone_number_is_shown_masked_in_the_form_people_know(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [("nguyen.an@gmail.com", "n***@gmail.com"), ("a@b.vn", "***@b.vn"), ("broken", "***")],
)
def test_an_email_is_shown_with_its_domain_only(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_masked_values_never_hold_the_hidden_digits() -> None:
    assert "0900123" not in mask_id("001090012345")
    assert "12345" not in mask_phone("+84912345678")
