"""A person types their name, date of birth, mobile and email: accepted, or told why not."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from bot.validation import names_match, parse_birth_date, parse_email, parse_full_name, parse_phone
from tests.support.validation import refusal, translator

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("nguyen van an", "nguyen van an"),
        ("  Trần   Thị\u00a0 Bích  ", "Trần Thị Bích"),
        ("LÊ VĂN TÁM", "LÊ VĂN TÁM"),
        ("Đặng Thùy Trâm", "Đặng Thùy Trâm"),
        ("H’Hen Niê", "H'Hen Niê"),
        ("Nguyễn-Phạm Anh", "Nguyễn-Phạm Anh"),
        ("Lý", "Lý"),
    ],
)
def test_citizen_name_with_or_without_diacritics_is_accepted_and_tidied(
    typed: str, name: str
) -> None:
    assert parse_full_name(typed) == name


def test_a_name_typed_in_decomposed_unicode_is_stored_composed() -> None:
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng")
    assert typed != "Nguyễn Thị Hồng"
    assert parse_full_name(typed) == "Nguyễn Thị Hồng"


def test_a_name_typed_in_full_width_letters_is_stored_as_the_letters_screens_show() -> None:
    """A phone's full-width keyboard: the summary showed 'Nguyen Van Binh' (to_ascii),
    so the carrier check must compare that name, not fail and cost an attempt."""
    assert parse_full_name("Ｎｇｕｙｅｎ Van Binh") == "Nguyen Van Binh"
    assert names_match("Ｎｇｕｙｅｎ Van Binh", "Nguyễn Văn Bình")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Nguyen Van 3", "validation.name.digits"),
        ("Nguyen Van ３", "validation.name.digits"),
        ("Nguyễn Văn An 😀", "validation.name.emoji"),
        ("Nguyễn Văn An ❤️", "validation.name.emoji"),
        ("Nguyễn Văn An!", "validation.name.punctuation"),
        ("Nguyen, Van An", "validation.name.punctuation"),
        ("*", "validation.name.punctuation"),
        ("#", "validation.name.punctuation"),
        ("李小龙", "validation.name.letters"),
        ("Иван Петров", "validation.name.letters"),
        ("A", "validation.name.too_short"),
        ("An " * 30, "validation.name.too_long"),
        ("-Nguyen An", "validation.name.edges"),
        ("Nguyen An'", "validation.name.edges"),
        ("", "validation.empty"),
        ("Nguyen\tVan An", "validation.control_chars"),
        ("x" * 10_240, "validation.too_long"),
    ],
)
def test_citizen_with_an_unusable_name_is_told_what_to_fix(typed: str, key: str) -> None:
    assert refusal(parse_full_name, typed).key == key


def test_the_punctuation_message_names_the_character() -> None:
    message = refusal(parse_full_name, "Nguyễn Văn An!")
    assert "!" in translator().render(message, "vi")


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("nguyen van an", "Nguyễn Văn An"),
        ("dang thi thuy", "Đặng Thị Thủy"),
        ("NGUYỄN   VĂN AN", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "Hồ Thị Hà"), "Hồ Thị Hà"),
        ("H'Hen Nie", "H’Hen Niê"),
    ],
)
def test_a_name_matches_the_register_ignoring_case_accents_and_spacing(
    typed: str, registered: str
) -> None:
    assert names_match(typed, registered)


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn Anh"),
        ("Nguyen An", "Nguyen Van An"),
        ("", ""),
        ("李", "王"),
    ],
)
def test_a_different_name_does_not_match_the_register(typed: str, registered: str) -> None:
    assert not names_match(typed, registered)


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("17/05/1990", date(1990, 5, 17)),
        ("7/5/1990", date(1990, 5, 7)),
        ("17-05-1990", date(1990, 5, 17)),
        ("17.05.1990", date(1990, 5, 17)),
        (" 17 / 05 / 1990 ", date(1990, 5, 17)),
        ("29/02/2000", date(2000, 2, 29)),
        ("01/01/1900", date(1900, 1, 1)),
        ("27/11/2026", TODAY),
        ("17*05*1990", date(1990, 5, 17)),  # a keypad on USSD
        ("17#05#1990", date(1990, 5, 17)),
        ("17051990", date(1990, 5, 17)),
        ("17 05 1990", date(1990, 5, 17)),
        ("１７/０５/１９９０", date(1990, 5, 17)),  # full-width digits
    ],
)
def test_citizen_types_a_date_of_birth_in_a_usual_form(typed: str, born: date) -> None:
    assert parse_birth_date(typed, today=TODAY) == born


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("31/02/1990", "validation.birth_date.not_a_date"),
        ("29/02/1900", "validation.birth_date.not_a_date"),
        ("17/13/1990", "validation.birth_date.not_a_date"),
        ("17/05/90", "validation.birth_date.format"),
        ("1990-05-17", "validation.birth_date.format"),
        ("17/05-1990", "validation.birth_date.format"),
        ("1705199", "validation.birth_date.format"),
        ("31021990", "validation.birth_date.not_a_date"),
        ("ngay 17 thang 5", "validation.birth_date.format"),
        ("*17#", "validation.birth_date.format"),
        ("28/11/2026", "validation.birth_date.future"),
        ("31/12/1899", "validation.birth_date.too_early"),
        ("1" * 1001, "validation.too_long"),
    ],
)
def test_citizen_with_an_impossible_date_of_birth_is_told_why(typed: str, key: str) -> None:
    assert refusal(parse_birth_date, typed, today=TODAY).key == key


def test_the_impossible_date_is_quoted_back() -> None:
    message = refusal(parse_birth_date, "31/02/1990", today=TODAY)
    assert "31/02/1990" in translator().render(message, "en")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("0912-345-678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+84 (0) 912 345 678", "+84912345678"),
        ("0862345678", "+84862345678"),
        ("0332345678", "+84332345678"),
        ("  0703123456  ", "+84703123456"),
    ],
)
def test_citizen_types_a_vietnamese_mobile_number_in_any_local_form(typed: str, e164: str) -> None:
    assert parse_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("024 3825 1234", "validation.phone.landline"),
        ("+84 24 3825 1234", "validation.phone.landline"),
        ("+1 650 253 0000", "validation.phone.foreign"),
        ("+66 81 234 5678", "validation.phone.foreign"),
        ("0912345", "validation.phone.format"),
        ("0123456789", "validation.phone.format"),
        ("0912*345#678", "validation.phone.format"),
        ("*123#", "validation.phone.format"),
        ("mot hai ba", "validation.phone.format"),
        ("0" * 2000, "validation.too_long"),
    ],
)
def test_citizen_with_a_number_that_cannot_get_an_sms_is_told_why(typed: str, key: str) -> None:
    assert refusal(parse_phone, typed).key == key


@pytest.mark.parametrize(
    ("typed", "email"),
    [
        ("nguyen.van.an@gmail.com", "nguyen.van.an@gmail.com"),
        ("  An.Nguyen@Example.COM ", "An.Nguyen@example.com"),
        ("an+dvc@mail.gov.vn", "an+dvc@mail.gov.vn"),
    ],
)
def test_an_email_is_accepted_on_syntax_alone(typed: str, email: str) -> None:
    assert parse_email(typed) == email


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("nguyenvanan.gmail.com", "validation.email.no_at"),
        ("nguyễn@gmail.com", "validation.email.not_ascii"),
        ("an@gmail", "validation.email.invalid"),
        ("an@@gmail.com", "validation.email.invalid"),
        ("an @gmail.com", "validation.email.invalid"),
        ("@gmail.com", "validation.email.invalid"),
        ("*#", "validation.email.no_at"),
    ],
)
def test_a_malformed_email_is_refused_with_an_example(typed: str, key: str) -> None:
    assert refusal(parse_email, typed).key == key
