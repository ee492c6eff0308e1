"""A person's stored conversation: the dialog (where they are, what they typed) and the
channels' own slots (the USSD screen), sealed together under one key, so that a turn is
one read and one write whatever the channel."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Final

import msgspec

from bot.dialogs.draft import Draft
from bot.keys import Sealer

# 1: a JSON dialog alone; 2: an untyped draft; 3: msgpack without the tag byte of
# `RecordCodec`. Others are unreadable: the person is told and starts again.
FORMAT: Final = 4
# Bytes of msgpack from which a record is deflated: a smaller one, sealed as it is,
# already fits 2 KB of Redis memory, and deflate costs some 20 us a turn.
DEFLATE_FROM: Final = 1536
_PLAIN: Final = b"m"
_DEFLATED: Final = b"z"  # raw deflate: the seal already authenticates, no zlib checksum


@dataclass(slots=True)
class DialogSession:
    """Where a person is (`step`), what they gave (`draft`), and how they got there."""

    step: str
    lang: str
    spec_version: str
    draft: Draft = field(default_factory=Draft)
    history: list[str] = field(default_factory=list)
    turn: int = 0
    method: str = ""  # the registration method chosen (its key), "" before one is
    entered: float = 0.0  # epoch seconds: when the person reached `step`
    failures: int = 0  # refused answers at `step` (the console's "stuck" flag)


@dataclass(slots=True)
class Note:
    """Something for the person from outside their turn (an agent wrote, took over...):
    a catalog key and the agent's text, if any."""

    key: str
    text: str = ""


@dataclass(slots=True)
class AgentHelp:
    """A support agent's part in the conversation: whether the bot is paused for them,
    and what waits for the person's next screen on a channel that cannot push."""

    agent: str = ""
    paused: bool = False
    pending: list[Note] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return not self.paused and not self.pending


@dataclass(slots=True)
class ConversationRecord:
    """Everything stored for one person on one channel.

    `dialog` is None between dialogs (after the end, before the first turn); `slots` are
    the channels' own bytes (USSD keeps its last screens there), opaque to the engine;
    `help` is a support agent's part (`bot.engine.desk`).
    """

    dialog: DialogSession | None = None
    slots: dict[str, bytes] = field(default_factory=dict)
    format: int = FORMAT
    help: AgentHelp | None = None

    @property
    def empty(self) -> bool:
        return self.dialog is None and not self.slots and (self.help is None or self.help.idle)

    @property
    def paused(self) -> bool:
        return self.help is not None and self.help.paused


class UnreadableSession(Exception):
    """Stored state that cannot be read: corrupt, an older format, or another key."""


class RecordCodec:
    """msgpack, deflated when large, sealed with AES-GCM: personal data is never stored in
    clear.

    Deflate takes 40 % off a USSD record at the password step (2.9 KB to 1.7 KB: the slot's
    earlier screens repeat the same menu lines), which keeps a live session within 2 KB
    of Redis memory. It runs before sealing, on the whole record, and nothing in a record
    is a secret in clear a length could betray: codes and passwords are keyed digests.
    The byte before the msgpack says which (`_PLAIN`, `_DEFLATED`); a record of format 3
    has none and is unreadable, as its `format` says anyway.
    """

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(ConversationRecord)

    def dumps(self, record: ConversationRecord) -> bytes:
        packed = self._encoder.encode(record)
        if len(packed) < DEFLATE_FROM:
            return self._sealer.seal(_PLAIN + packed)
        return self._sealer.seal(_DEFLATED + zlib.compress(packed, 1, wbits=-15))

    def loads(self, blob: bytes) -> ConversationRecord:
        try:
            opened = self._sealer.open(blob)
            tag, packed = opened[:1], opened[1:]
            if tag == _DEFLATED:
                packed = zlib.decompress(packed, wbits=-15)
            elif tag != _PLAIN:
                raise UnreadableSession("format")
            record = self._decoder.decode(packed)
        except (ValueError, zlib.error, msgspec.DecodeError) as exc:  # Unsealable: ValueError
            raise UnreadableSession(type(exc).__name__) from exc
        if record.format != FORMAT:
            raise UnreadableSession("format")
        return record
