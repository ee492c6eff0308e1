"""Stories: what a person signs for regbot is a readable registration statement, the same
for a signing SIM and a USB token, and an auditor reads back only statements of that form."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from pki_bridge.mssp import registration_statement
from pki_bridge.statement import (
    SERVICE,
    SIM_FIELDS,
    USB_FIELDS,
    read_statement,
    sim_statement,
    usb_statement,
)

HANOI = dt.timezone(dt.timedelta(hours=7))
WHEN = dt.datetime(2026, 12, 1, 22, 5, 9, 123456, tzinfo=HANOI)
LINK = "5f" * 32


def test_a_sims_statement_is_byte_for_byte_what_sims_have_always_signed():
    """Accounts made by SIM before the builder was shared keep verifying."""
    assert registration_statement(SERVICE, "+84912345678", "n0nce", WHEN) == (
        b"DVCQG registration statement\n"
        b"service: dichvucong.gov.vn account registration\n"
        b"phone: +84912345678\n"
        b"nonce: n0nce\n"
        b"time: 2026-12-01T15:05:09+00:00\n"
    )


def test_a_usb_links_statement_is_text_a_person_can_read_and_names_link_kind_and_time():
    statement = usb_statement(SERVICE, LINK, "business", "n0nce", WHEN)
    assert statement.decode("ascii").splitlines() == [
        "DVCQG registration statement",
        "service: dichvucong.gov.vn account registration",
        f"link: {LINK}",
        "kind: business",
        "nonce: n0nce",
        "time: 2026-12-01T15:05:09+00:00",
    ]
    read = read_statement(statement)
    assert read is not None and read.names == USB_FIELDS
    assert read.fields["kind"] == "business" and read.fields["link"] == LINK
    assert read.time == WHEN.replace(microsecond=0)
    sim = read_statement(sim_statement(SERVICE, "+84912345678", "n0nce", WHEN))
    assert sim is not None and sim.names == SIM_FIELDS  # the two forms are told apart


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(32),  # a signing link's challenge of before statements
        b"H\xe1\xbb\xa3p \xc4\x91\xe1\xbb\x93ng vay 500.000.000 \xc4\x91\xe1\xbb\x93ng",
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).replace(b"DVCQG", b"Other"),
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).rstrip(b"\n"),
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).replace(b"\n", b"\r\n"),
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN) + b"kind: business\n",
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).replace(b"+00:00", b""),
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).replace(b"time: 2026", b"time: 20x6"),
        usb_statement(SERVICE, LINK, "citizen", "n", WHEN).replace(b"nonce: n", b"nonce n"),
        b"DVCQG registration statement\nservice: \xff\n",
    ],
    ids=[
        "random",
        "a contract",
        "another header",
        "unterminated",
        "crlf",
        "a field twice",
        "no zone",
        "no time",
        "not name-value",
        "not utf-8",
    ],
)
def test_anything_else_is_not_read_as_a_statement(data: bytes):
    assert read_statement(data) is None


def test_a_value_cannot_add_a_line_of_its_own():
    with pytest.raises(ValueError, match="kind"):
        usb_statement(SERVICE, LINK, "citizen\nkind: official", "n", WHEN)
