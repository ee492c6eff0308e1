"""Checks all typed input passes first: the 1,000-character cap, whitespace, control characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from bot.i18n import msg
from bot.validation.refusal import Invalid

MAX_INPUT_LENGTH: Final = 1000
_SEPARATORS: Final = re.compile(r"[\s.\-]+")


def invalid(key: str, **params: object) -> Invalid:
    """The `Invalid` refusal for a validation message, to `raise`."""
    return Invalid(msg(key, **params))


def check_length(text: str) -> str:
    """Refuse any input over MAX_INPUT_LENGTH characters before anything else looks at it.

    Pastes of whole documents would otherwise reach regexes, parsers and the state store.
    """
    if len(text) > MAX_INPUT_LENGTH:
        raise invalid("validation.too_long", limit=MAX_INPUT_LENGTH)
    return text


def has_control_characters(text: str) -> bool:
    """True for C0/C1 controls and line/paragraph separators (not for ordinary spaces)."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def clean(text: str) -> str:
    """Cap, strip surrounding whitespace, refuse control characters and empty input."""
    text = check_length(text).strip()
    if has_control_characters(text):
        raise invalid("validation.control_chars")
    if not text:
        raise invalid("validation.empty")
    return text


def compact_digits(text: str) -> str:
    """Drop the spaces, dots and dashes people use to group digits (`0912 345 678`);
    full-width digits (`０９１２`, from East Asian keyboards) become 0-9."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
