"""A person's stored conversation: the dialog (where they are, what they typed) and the
channels' own slots (the USSD screen), sealed together under one key, so that a turn is
one read and one write whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import msgspec

from bot.dialogs.draft import Draft
from bot.keys import Sealer

FORMAT: Final = 3  # 1: a JSON dialog alone; 2: an untyped draft. Others are unreadable.


@dataclass(slots=True)
class DialogSession:
    """Where a person is (`step`), what they gave (`draft`), and how they got there."""

    step: str
    lang: str
    spec_version: str
    draft: Draft = field(default_factory=Draft)
    history: list[str] = field(default_factory=list)
    turn: int = 0


@dataclass(slots=True)
class ConversationRecord:
    """Everything stored for one person on one channel.

    `dialog` is None between dialogs (after the end, before the first turn); `slots` are
    the channels' own bytes (USSD keeps its last screens there), opaque to the engine.
    """

    dialog: DialogSession | None = None
    slots: dict[str, bytes] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def empty(self) -> bool:
        return self.dialog is None and not self.slots


class UnreadableSession(Exception):
    """Stored state that cannot be read: corrupt, an older format, or another key."""


class RecordCodec:
    """msgpack sealed with AES-GCM: personal data is never stored in clear."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(ConversationRecord)

    def dumps(self, record: ConversationRecord) -> bytes:
        return self._sealer.seal(self._encoder.encode(record))

    def loads(self, blob: bytes) -> ConversationRecord:
        try:
            record = self._decoder.decode(self._sealer.open(blob))
        except (ValueError, msgspec.DecodeError) as exc:  # Unsealable is a ValueError
            raise UnreadableSession(type(exc).__name__) from exc
        if record.format != FORMAT:
            raise UnreadableSession("format")
        return record
