"""A stored conversation (the dialog and the channels' slots) is encrypted, and state that
cannot be read is reported, not crashed on."""

from __future__ import annotations

import json
from datetime import date

import msgspec
import pytest

from bot.dialogs.draft import Draft, PersonDraft
from bot.keys import SecretKeys
from bot.state import ConversationRecord, DialogSession, RecordCodec, UnreadableSession

KEYS = SecretKeys.from_secret("a test secret that is long enough")


def _half_done_registration() -> ConversationRecord:
    dialog = DialogSession(
        step="phone",
        lang="vi",
        spec_version="mobile-1",
        draft=Draft(
            person=PersonDraft(
                full_name="Nguyễn Văn An",
                id_number="001090012345",
                birth_date=date(1990, 5, 17),
                phone="+84912345678",
                email="an.nguyen@example.vn",
            )
        ),
        history=["kind", "method", "full_name", "id_number", "date_of_birth"],
        turn=5,
    )
    return ConversationRecord(dialog, {"ussd": b"CON So dien thoai 0912345678"})


def test_a_half_done_registration_comes_back_exactly_as_it_was_stored():
    codec = RecordCodec(KEYS.sealer("dialog"))
    record = _half_done_registration()

    assert codec.loads(codec.dumps(record)) == record


def test_the_stored_blob_holds_no_personal_data_in_clear():
    blob = RecordCodec(KEYS.sealer("dialog")).dumps(_half_done_registration())

    for clear in (
        b"001090012345",
        b"0912345678",
        b"1990-05-17",
        b"an.nguyen@example.vn",
        "Nguyễn Văn An".encode(),
        b"Nguyen",
        b"phone",
    ):
        assert clear not in blob


def test_state_written_under_another_key_is_unreadable():
    other = SecretKeys.from_secret("the secret of another deployment")
    blob = RecordCodec(other.sealer("dialog")).dumps(_half_done_registration())

    with pytest.raises(UnreadableSession):
        RecordCodec(KEYS.sealer("dialog")).loads(blob)


@pytest.mark.parametrize(
    "blob",
    [b"", b"not a token", b"\x00\xff\xfe garbage", b"gAAAAAB" + b"A" * 80],
    ids=["empty", "text", "binary", "truncated-token"],
)
def test_corrupt_state_is_unreadable(blob: bytes):
    with pytest.raises(UnreadableSession):
        RecordCodec(KEYS.sealer("dialog")).loads(blob)


def test_a_tampered_blob_is_unreadable():
    blob = bytearray(RecordCodec(KEYS.sealer("dialog")).dumps(_half_done_registration()))
    blob[40] = ord("A") if blob[40] != ord("A") else ord("B")

    with pytest.raises(UnreadableSession):
        RecordCodec(KEYS.sealer("dialog")).loads(bytes(blob))


def _sealed(payload: object, *, as_json: bool = False) -> bytes:
    encoded = json.dumps(payload).encode() if as_json else msgspec.msgpack.encode(payload)
    return KEYS.sealer("dialog").seal(encoded)


DIALOG = {"step": "phone", "lang": "vi", "spec_version": "mobile-1"}


@pytest.mark.parametrize(
    ("payload", "as_json"),
    [
        ({"format": 1, **DIALOG}, True),  # format 1: the dialog alone, as JSON
        ({"format": 2, "dialog": {**DIALOG, "data": {}}, "slots": {}}, False),  # untyped
        ({"format": 2, "dialog": {"step": "phone"}, "slots": {}}, False),  # fields missing
        ({"format": 2, "dialog": DIALOG, "slots": {"ussd": 5}}, False),  # a slot not bytes
        (["format", 2], False),  # not a record at all
        ("just a string", False),
    ],
    ids=["json-format-1", "older-format", "missing-fields", "bad-slot", "list", "string"],
)
def test_state_in_an_older_or_unknown_format_is_unreadable(payload: object, as_json: bool):
    with pytest.raises(UnreadableSession):
        RecordCodec(KEYS.sealer("dialog")).loads(_sealed(payload, as_json=as_json))


def test_a_sealer_for_another_purpose_cannot_read_dialog_state():
    blob = RecordCodec(KEYS.sealer("dialog")).dumps(_half_done_registration())

    with pytest.raises(UnreadableSession):
        RecordCodec(KEYS.sealer("another purpose")).loads(blob)
