"""The guide's password rule, plus what makes a password guessable from the registration itself."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from bot.i18n import Msg, msg
from bot.validation.limits import check_length, has_control_characters, invalid

PASSWORD_MIN: Final = 8
PASSWORD_MAX: Final = 128
_NOT_DIGIT: Final = re.compile(r"\D")


def _missing(password: str) -> list[Msg]:
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(msg("validation.password.short", minimum=PASSWORD_MIN))
    if not any(ch.islower() for ch in password):
        problems.append(msg("validation.password.no_lower"))
    if not any(ch.isupper() for ch in password):
        problems.append(msg("validation.password.no_upper"))
    if not any(ch.isdecimal() for ch in password):
        problems.append(msg("validation.password.no_digit"))
    if not any(not ch.isalnum() and not ch.isspace() for ch in password):
        problems.append(msg("validation.password.no_special"))
    return problems


def _invisible(ch: str) -> bool:
    """Format marks (zero-width space, soft hyphen, RTL marks), odd spaces and the like:
    they would count as the "special character" but nobody can type them again."""
    category = unicodedata.category(ch)
    return category.startswith("C") or (category.startswith("Z") and ch != " ")


def phone_forms(phone: str) -> set[str]:
    """The digit strings a phone number is written as: `84912345678`, `0912345678`, `912345678`."""
    digits = _NOT_DIGIT.sub("", phone)
    if digits.startswith("84"):
        subscriber = digits[2:]
    elif digits.startswith("0"):
        subscriber = digits[1:]
    else:
        subscriber = digits
    return {form for form in (digits, "0" + subscriber, "84" + subscriber, subscriber) if form}


def check_password(text: str, id_number: str | None = None, phone: str | None = None) -> str:
    """Check a new password against the guide's rule; return it in Unicode NFC.

    The password is not stripped - spaces are part of it - but leading or trailing
    spaces are refused, since keyboards add them unseen and the person could not
    type the password again. NFC makes the same password typed on two keyboards equal.
    The ID number and the phone (any of its written forms) must not appear in it, even
    split by other characters, as they are the first things an attacker would try.

    Raises:
        Invalid: one message per broken rule; the strength rule lists all that is missing.
    """
    check_length(text)
    if has_control_characters(text):
        raise invalid("validation.control_chars")
    if text != text.strip():
        raise invalid("validation.password.spaces")
    if any(_invisible(ch) for ch in text):
        raise invalid("validation.password.invisible")
    password = unicodedata.normalize("NFC", text)
    if len(password) > PASSWORD_MAX:
        raise invalid("validation.password.too_long", maximum=PASSWORD_MAX)
    problems = _missing(password)
    if problems:
        raise invalid(
            f"validation.password.weak.{len(problems)}",
            **{f"p{index}": problem for index, problem in enumerate(problems, 1)},
        )
    digits = _NOT_DIGIT.sub("", password)
    if id_number:
        if id_number.casefold() in password.casefold() or (
            id_number.isdecimal() and id_number in digits
        ):
            raise invalid("validation.password.contains_id")
    if phone and any(form in password or form in digits for form in phone_forms(phone)):
        raise invalid("validation.password.contains_phone")
    return password
