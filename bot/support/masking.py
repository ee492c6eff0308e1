"""How personal data reads in records (transcripts, the live list): ID numbers and phones
keep their last 3 digits, names their initials (`bot.i18n.Personal`, `Audience.RECORD`);
passwords and OTPs never get here at all."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from bot.i18n import Audience, Personal, PersonalKind
from bot.validation.masking import mask_id, mask_phone

_SEPARATORS: Final = re.compile(r"[\s.\-]")
_LINK_TOKEN: Final = re.compile(r"/(sign|secret)/[A-Za-z0-9_\-]{8,}")
LONG_NUMBER: Final = 9  # a phone or an ID number: shown masked; shorter numbers hidden


def mask_value(text: str, kind: PersonalKind) -> str:
    """A value typed at a step whose field is of `kind`, as a record shows it."""
    value = text.strip()
    if kind in (PersonalKind.ID, PersonalKind.PHONE):
        value = _SEPARATORS.sub("", value)
    return Personal(value, kind).shown(Audience.RECORD)


def mask_words(text: str, *, chat: bool = False) -> str:
    """Free text whose meaning is unknown: numbers (phones, IDs) keep their last 3
    digits, other words with a digit or an @ are hidden (a code, a password); other
    words keep their initial - or, in a chat with an agent (`chat`), stay readable."""
    shown = []
    for word in text.split():
        core = _SEPARATORS.sub("", word)
        digits = sum(ch.isdigit() for ch in core)
        if "@" in word:
            shown.append(Personal(word, PersonalKind.EMAIL).shown(Audience.RECORD))
        elif core.lstrip("+").isdigit() and len(core) >= LONG_NUMBER:
            shown.append("*" * (len(core) - 3) + core[-3:])
        elif digits:
            shown.append("***")
        else:
            shown.append(word if chat else word[0] + ".")
    return " ".join(shown)


def mask_message(text: str, personal: Iterable[Personal] = ()) -> str:
    """An agent's message to a person, as records keep it (the transcript, the audit log):
    read like the person's chat lines (`mask_words`: numbers keep their last 3 digits,
    codes are hidden, words stay readable), line by line, and then every value the
    dialog holds masked (`scrub`)."""
    lines = (mask_words(line, chat=True) for line in text.splitlines())
    return scrub("\n".join(lines), personal)


def person_label(personal: Iterable[Personal], user_id: str) -> str:
    """Who a conversation is, as the live list shows it: a phone it carries as
    `+8491****678`, else the last 3 characters of the id on the channel."""
    for value in personal:
        if value.kind is PersonalKind.PHONE and value.value.startswith("+"):
            phone = value.value
            return phone[:5] + "*" * max(0, len(phone) - 8) + phone[-3:]
    return "…" + user_id[-3:] if len(user_id) > 3 else "…"


def is_phone_label(label: str) -> bool:
    return label.startswith("+")


def scrub(text: str, personal: Iterable[Personal]) -> str:
    """The safety net of a record: every personal value the dialog holds, in any form a
    screen writes it (whole, national, or the partial masks of summaries), becomes its
    record mask, and one-time links lose their token."""
    forms: dict[str, str] = {}
    for value in personal:
        if len(value.value) < 4:
            continue
        masked = value.shown(Audience.RECORD)
        forms[value.value] = masked
        if value.kind is PersonalKind.PHONE:
            forms[value.shown(Audience.OWNER)] = masked
            forms[mask_phone(value.value)] = masked
        elif value.kind is PersonalKind.ID:
            forms[mask_id(value.value)] = masked
    for form in sorted(forms, key=len, reverse=True):  # "0912345678" before "912345678"
        text = text.replace(form, forms[form])
    return _LINK_TOKEN.sub(r"/\1/***", text)
