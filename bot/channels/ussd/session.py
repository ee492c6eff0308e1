"""Per-caller USSD channel state: the last request of the network session and its screen.

Kept as the `ussd` slot of the person's conversation record (sealed with the dialog, one
key in the shared store), so any worker can answer the next request, and a gateway's
retry gets the same screen without the turn running twice. The cumulative `text` is
never stored, only its length and a keyed digest: it holds the passwords and codes the
person typed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import msgspec

from bot.dialogs.draft import OtpState

SEPARATOR: Final = "*"


class Mode(StrEnum):
    DIALOG = "dialog"  # the screen is the engine's reply
    RESUME = "resume"  # "1 continue where you left off, 2 start again"
    PROVE = "prove"  # a new network session types the code sent to the caller's phone


@dataclass(slots=True)
class ChannelState:
    session_id: str
    text_length: int
    text_digest: str
    pages: list[str] = field(default_factory=list)
    page: int = 0
    end: bool = False
    lang: str = "vi"
    mode: str = Mode.DIALOG
    # the screen each earlier request of the session got, by the digest of its text: a
    # late retry of one of them gets that same screen again
    seen: dict[str, str] = field(default_factory=dict)
    # the code that proves the caller's phone before a dialog is resumed (digest only)
    proof: OtpState | None = None
    # keyed digests of the network sessions this caller has left (newest last): a late
    # request of one of them must not take the caller's new session back
    left: list[str] = field(default_factory=list)

    def body(self) -> str:
        """The response body for the current page: `CON ...` or `END ...`."""
        last = self.page >= len(self.pages) - 1
        return ("END " if self.end and last else "CON ") + self.pages[self.page]


class ChannelCodec:
    """msgpack for the slot (the record around it is sealed), and the keyed digest that
    recognises a request's text."""

    def __init__(self, digest_key: bytes) -> None:
        self._key = digest_key
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(ChannelState)

    def digest(self, session_id: str, text: str) -> str:
        """HMAC-SHA256, its first 128 bits in hex: recognising a request of a session
        needs no more, and the record keeps one per screen in `seen`."""
        data = f"{session_id}\x00{text}".encode()
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()[:32]

    def session(self, session_id: str) -> str:
        """A network session's keyed digest, for `left`: never a request's digest, since
        a request's session id is printable and this one is a NUL."""
        return self.digest("\x00", session_id)

    def dumps(self, state: ChannelState) -> bytes:
        return self._encoder.encode(state)

    def loads(self, blob: bytes | None) -> ChannelState | None:
        """The stored state, or None when there is none or it cannot be read."""
        if blob is None:
            return None
        try:
            state = self._decoder.decode(blob)
        except msgspec.DecodeError:
            return None
        return state if state.pages else None


class Delta(StrEnum):
    NEW_SESSION = "new_session"
    REPEAT = "repeat"  # the same request again: a gateway retry
    INPUT = "input"
    LATE_RETRY = "late_retry"  # an earlier request of the session, retried late
    # an earlier request of the session, retried after its screen left `seen`: `text`
    # holds every input of the session so far, so it only ever grows
    STALE = "stale"
    OUT_OF_STEP = "out_of_step"  # a text that does not extend the previous one
    LEFT_SESSION = "left_session"  # a late request of a network session the caller left


def new_input(
    codec: ChannelCodec, state: ChannelState | None, session_id: str, text: str
) -> tuple[Delta, str]:
    """What this request adds: the text after the previous request's text.

    Not the last `*`-separated piece, because a password or an email may contain `*`.
    """
    if state is None:
        return Delta.NEW_SESSION, ""
    if state.session_id != session_id:
        left = codec.session(session_id) in state.left
        return (Delta.LEFT_SESSION if left else Delta.NEW_SESSION), ""
    prefix = text[: state.text_length]
    if not hmac.compare_digest(codec.digest(session_id, prefix), state.text_digest):
        if codec.digest(session_id, text) in state.seen:
            return Delta.LATE_RETRY, ""
        return (Delta.STALE if len(text) < state.text_length else Delta.OUT_OF_STEP), ""
    rest = text[state.text_length :]
    if not rest:
        return Delta.REPEAT, ""
    if state.text_length == 0:
        return Delta.INPUT, rest
    if not rest.startswith(SEPARATOR):
        return Delta.OUT_OF_STEP, ""
    return Delta.INPUT, rest[len(SEPARATOR) :]
