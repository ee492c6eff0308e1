"""One-time codes people type back (the OTP sent by SMS)."""

from __future__ import annotations

from typing import Final

from bot.validation.limits import clean, compact_digits, invalid

OTP_LENGTH: Final = 6


def parse_otp(text: str) -> str:
    """Exactly 6 digits once spaces are removed (`123 456` is how SMS apps show it)."""
    code = compact_digits(clean(text))
    if len(code) != OTP_LENGTH or not code.isdecimal() or not code.isascii():
        raise invalid("validation.otp.format", length=OTP_LENGTH)
    return code
