"""The record's format 4: msgpack behind a tag byte, deflated when large, then sealed. A
record written by an older regbot (format 3: plain msgpack) is refused, never misread."""

from __future__ import annotations

import msgspec
import pytest

from bot.keys import SecretKeys
from bot.state import ConversationRecord, DialogSession, RecordCodec, UnreadableSession
from bot.state.session import DEFLATE_FROM, FORMAT

KEYS = SecretKeys.from_secret("a test secret that is long enough")
SEALER = KEYS.sealer("dialog")

SCREEN = b"CON Nhap lai mat khau:\n0 Quay lai\n98 Tro giup, 97 Huy"


def _record(screens: int) -> ConversationRecord:
    dialog = DialogSession(step="mobile.password_confirm", lang="vi", spec_version="s1")
    return ConversationRecord(dialog, {"ussd": SCREEN * screens})


@pytest.mark.parametrize("screens", [1, 60], ids=["small", "large"])
def test_a_record_comes_back_as_it_was_stored(screens: int):
    codec = RecordCodec(SEALER)
    record = _record(screens)

    assert codec.loads(codec.dumps(record)) == record


def test_a_large_record_is_stored_deflated_and_a_small_one_as_it_is():
    codec = RecordCodec(SEALER)
    large, small = _record(60), _record(1)
    assert len(msgspec.msgpack.encode(large)) >= DEFLATE_FROM > len(msgspec.msgpack.encode(small))

    assert len(codec.dumps(large)) < len(msgspec.msgpack.encode(large)) // 4
    assert SEALER.open(codec.dumps(small))[1:] == msgspec.msgpack.encode(small)


@pytest.mark.parametrize("screens", [1, 60], ids=["small", "large"])
def test_a_record_of_format_3_as_the_previous_regbot_wrote_it_is_unreadable(screens: int):
    record = _record(screens)
    record.format = 3
    old = SEALER.seal(msgspec.msgpack.encode(record))  # no tag byte, never deflated

    with pytest.raises(UnreadableSession):
        RecordCodec(SEALER).loads(old)


@pytest.mark.parametrize("tag", [b"m", b"z", b"x"])
def test_a_tagged_payload_of_another_format_or_corrupt_is_unreadable(tag: bytes):
    record = _record(1)
    record.format = FORMAT - 1
    packed = msgspec.msgpack.encode(record)

    with pytest.raises(UnreadableSession):
        RecordCodec(SEALER).loads(SEALER.seal(tag + packed))
