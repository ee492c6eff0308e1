"""Partly hidden personal data for summaries, USSD screens and logs (the console's
records mask by `bot.i18n.Personal` instead: the last 3 digits, the initials)."""

from __future__ import annotations

from typing import Final

_KEEP_START: Final = 3
_KEEP_END: Final = 2


def mask_id(number: str) -> str:
    """`001090012345` -> `001*******45`: enough for the owner to recognise it, no more.

    The first three digits (birth province) and the last two are shown; anything of five
    characters or fewer is hidden entirely.
    """
    if len(number) <= _KEEP_START + _KEEP_END:
        return "*" * len(number)
    hidden = len(number) - _KEEP_START - _KEEP_END
    return number[:_KEEP_START] + "*" * hidden + number[-_KEEP_END:]


def mask_phone(e164: str) -> str:
    """`+84912345678` -> `09*****678`, in the national form people know their number by."""
    shown = "0" + e164[3:] if e164.startswith("+84") else e164
    if len(shown) <= 5:
        return "*" * len(shown)
    return shown[:2] + "*" * (len(shown) - 5) + shown[-3:]


def mask_email(email: str) -> str:
    """`nguyen.an@gmail.com` -> `n***@gmail.com`; the domain is kept, it identifies nobody."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "***"
    return (local[0] if len(local) > 1 else "") + "***@" + domain
