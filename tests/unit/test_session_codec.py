"""Stored dialog state is encrypted, and state that cannot be read is reported, not crashed on."""

from __future__ import annotations

import json

import pytest

from bot.keys import SecretKeys
from bot.state import DialogSession, SessionCodec, UnreadableSession

KEYS = SecretKeys.from_secret("a test secret that is long enough")


def _half_done_registration() -> DialogSession:
    return DialogSession(
        step="phone",
        lang="vi",
        spec_version="mobile-1",
        data={
            "full_name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "date_of_birth": "1990-05-17",
            "phone": "+84912345678",
            "email": "an.nguyen@example.vn",
        },
        history=["kind", "method", "full_name", "id_number", "date_of_birth"],
        turn=5,
    )


def test_a_half_done_registration_comes_back_exactly_as_it_was_stored():
    codec = SessionCodec(KEYS.sealer("dialog"))
    session = _half_done_registration()

    assert codec.loads(codec.dumps(session)) == session


def test_the_stored_blob_holds_no_personal_data_in_clear():
    blob = SessionCodec(KEYS.sealer("dialog")).dumps(_half_done_registration())

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
    blob = SessionCodec(other.sealer("dialog")).dumps(_half_done_registration())

    with pytest.raises(UnreadableSession):
        SessionCodec(KEYS.sealer("dialog")).loads(blob)


@pytest.mark.parametrize(
    "blob",
    [b"", b"not a token", b"\x00\xff\xfe garbage", b"gAAAAAB" + b"A" * 80],
    ids=["empty", "text", "binary", "truncated-token"],
)
def test_corrupt_state_is_unreadable(blob: bytes):
    with pytest.raises(UnreadableSession):
        SessionCodec(KEYS.sealer("dialog")).loads(blob)


def test_a_tampered_blob_is_unreadable():
    blob = bytearray(SessionCodec(KEYS.sealer("dialog")).dumps(_half_done_registration()))
    blob[40] = ord("A") if blob[40] != ord("A") else ord("B")

    with pytest.raises(UnreadableSession):
        SessionCodec(KEYS.sealer("dialog")).loads(bytes(blob))


def _sealed(payload: object) -> bytes:
    return KEYS.sealer("dialog").seal(json.dumps(payload).encode())


@pytest.mark.parametrize(
    "payload",
    [
        {"step": "phone", "lang": "vi", "spec_version": "mobile-1"},  # before `format` existed
        {"format": 0, "step": "phone", "lang": "vi", "spec_version": "mobile-1"},
        {"format": 1, "step": "phone", "lang": "vi", "spec_version": "1", "extra": 1},
        {"format": 1, "step": "phone"},  # fields missing
        ["format", 1],  # not an object at all
        "just a string",
    ],
    ids=["no-format", "older-format", "unknown-field", "missing-fields", "list", "string"],
)
def test_state_in_an_older_or_unknown_format_is_unreadable(payload: object):
    with pytest.raises(UnreadableSession):
        SessionCodec(KEYS.sealer("dialog")).loads(_sealed(payload))


def test_a_sealer_for_another_purpose_cannot_read_dialog_state():
    blob = SessionCodec(KEYS.sealer("dialog")).dumps(_half_done_registration())

    with pytest.raises(UnreadableSession):
        SessionCodec(KEYS.sealer("another purpose")).loads(blob)
