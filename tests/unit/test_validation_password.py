"""A person chooses a password: the guide's rule, and nothing guessable from their ID or phone."""

from __future__ import annotations

import unicodedata

import pytest

from bot.validation import check_password
from tests.support.validation import refusal, translator

CCCD = "001090012345"
PHONE = "+84912345678"


@pytest.mark.parametrize(
    "typed",
    ["Matkhau@2024", "Xin chào! 2024", "Pass#word1", "Mật*Khẩu9", "Aa1@" * 32],
)
def test_a_strong_password_is_accepted_as_typed(typed: str) -> None:
    assert check_password(typed, id_number=CCCD, phone=PHONE) == typed


def test_a_password_is_stored_in_composed_unicode() -> None:
    typed = unicodedata.normalize("NFD", "Mật Khẩu@1")
    assert check_password(typed) == "Mật Khẩu@1"


@pytest.mark.parametrize(
    ("typed", "count", "missing"),
    [
        ("Abcdefgh1", 1, ["validation.password.no_special"]),
        ("ABCDEFG1!", 1, ["validation.password.no_lower"]),
        ("abcdefg1!", 1, ["validation.password.no_upper"]),
        ("Abcdefgh!", 1, ["validation.password.no_digit"]),
        ("Ab1!", 1, ["validation.password.short"]),
        (
            "abcdefgh",
            3,
            [
                "validation.password.no_upper",
                "validation.password.no_digit",
                "validation.password.no_special",
            ],
        ),
        (
            "",
            5,
            [
                "validation.password.short",
                "validation.password.no_lower",
                "validation.password.no_upper",
                "validation.password.no_digit",
                "validation.password.no_special",
            ],
        ),
    ],
)
def test_a_weak_password_is_refused_with_everything_that_is_missing(
    typed: str, count: int, missing: list[str]
) -> None:
    message = refusal(check_password, typed)
    assert message.key == f"validation.password.weak.{count}"
    listed = [value.key for value in message.params.values()]  # type: ignore[attr-defined]
    assert listed == missing


def test_the_weak_password_message_lists_the_missing_parts_in_words() -> None:
    message = refusal(check_password, "abcdefgh")
    vi = translator().render(message, "vi")
    en = translator().render(message, "en")
    assert "chữ in hoa" in vi and "chữ số" in vi and "ký tự đặc biệt" in vi
    assert "upper-case" in en and "digit" in en and "special" in en


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Abc@001090012345", "validation.password.contains_id"),
        ("Abc@0010-9001-2345", "validation.password.contains_id"),
        ("Abc@0912345678", "validation.password.contains_phone"),
        ("Abc@84912345678", "validation.password.contains_phone"),
        ("Abc@+84912345678", "validation.password.contains_phone"),
        ("Abc@912345678!", "validation.password.contains_phone"),
        ("Abc@0912.345.678", "validation.password.contains_phone"),
        ("Aa1@" * 33, "validation.password.too_long"),
        (" Matkhau@2024", "validation.password.spaces"),
        ("Matkhau@2024 ", "validation.password.spaces"),
        ("Matkhau@2024\x00", "validation.control_chars"),
        ("Matkhau@2024\n", "validation.control_chars"),
        ("Aa1@" * 2560, "validation.too_long"),
        ("Hoasen2024\u200b", "validation.password.invisible"),  # zero-width space as "special"
        ("Hoasen2024\u200f", "validation.password.invisible"),  # right-to-left mark
        ("Hoasen2024\xad", "validation.password.invisible"),  # soft hyphen
        ("Hoa\xa0sen@2024", "validation.password.invisible"),  # no-break space
    ],
)
def test_a_guessable_or_unusable_password_is_refused_with_the_reason(typed: str, key: str) -> None:
    assert refusal(check_password, typed, id_number=CCCD, phone=PHONE).key == key


def test_the_phone_check_works_from_the_national_form_too() -> None:
    message = refusal(check_password, "Abc@84912345678", phone="0912345678")
    assert message.key == "validation.password.contains_phone"


def test_a_passport_number_is_found_whatever_its_case() -> None:
    message = refusal(check_password, "Xyz@b1234567", id_number="B1234567")
    assert message.key == "validation.password.contains_id"
