"""Registration statements: the readable text a person signs for regbot, and its reading.

A statement is UTF-8 text: a header line, then one `name: value` line per field, each
ended by a newline - so a signing plugin that shows what it signs shows something a
person can read. A signing SIM signs the SHA-256 of one (`sim_statement`); a USB token
signs one as a signing link's challenge (`usb_statement`). Both name regbot's service, a
fresh nonce and the time, so a signature made for regbot cannot pass for one made
elsewhere, nor one made elsewhere for one made for regbot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

HEADER: Final = "DVCQG registration statement"
SERVICE: Final = "dichvucong.gov.vn account registration"
# the fields of each statement, in their order (an auditor checks the statement has them)
SIM_FIELDS: Final = ("service", "phone", "nonce", "time")
USB_FIELDS: Final = ("service", "link", "kind", "nonce", "time")


def statement_time(time: dt.datetime) -> str:
    """A statement's time: ISO 8601 in UTC, to the second."""
    return time.astimezone(dt.UTC).isoformat(timespec="seconds")


def compose(fields: Sequence[tuple[str, str]]) -> bytes:
    """The header and the fields as `name: value` lines. Raises ValueError for a value
    that would break a line (a newline) or leave it empty."""
    for name, value in fields:
        if not value or "\n" in value or "\r" in value:
            raise ValueError(f"a statement's {name} must be one non-empty line")
    return (HEADER + "\n" + "".join(f"{name}: {value}\n" for name, value in fields)).encode()


def sim_statement(service: str, phone: str, nonce: str, time: dt.datetime) -> bytes:
    """What a signing SIM signs (as its SHA-256): the service, the phone, a nonce, the time."""
    return compose(
        [("service", service), ("phone", phone), ("nonce", nonce), ("time", statement_time(time))]
    )


def usb_statement(service: str, link: str, kind: str, nonce: str, time: dt.datetime) -> bytes:
    """What a USB token signs as a signing link's challenge: the service, the link (its id,
    a keyed hash of the token), the registrant kind the dialog chose, a nonce, the time."""
    return compose(
        [
            ("service", service),
            ("link", link),
            ("kind", kind),
            ("nonce", nonce),
            ("time", statement_time(time)),
        ]
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """A well-formed statement read back: its fields in their order, and its time."""

    fields: Mapping[str, str]
    time: dt.datetime

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.fields)


def read_statement(data: bytes) -> Statement | None:
    """The statement `data` holds; None unless it has the form `compose` writes (UTF-8,
    the header, `name: value` lines each ended by a newline, a name once, a `time` with
    its zone) - a link's random challenge of before statements, for one, has not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n"):
        return None
    header, *lines = text[:-1].split("\n")
    if header != HEADER:
        return None
    fields: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(": ")
        well_named = name.isascii() and name.isalpha() and name.islower()
        if not sep or not well_named or name in fields or not value or "\r" in value:
            return None
        fields[name] = value
    try:
        time = dt.datetime.fromisoformat(fields.get("time", ""))
    except ValueError:
        return None
    if time.tzinfo is None:
        return None
    return Statement(fields, time)
