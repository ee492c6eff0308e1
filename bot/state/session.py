"""The stored state of one person's dialog, and its encrypted serialisation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from bot.keys import Sealer

FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class SessionKey:
    """Whose dialog: the channel and the person's id on it (chat id, caller number)."""

    channel: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(slots=True)
class DialogSession:
    """Where a person is (`step`), what they typed (`data`), and how they got there."""

    step: str
    lang: str
    spec_version: str
    data: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    turn: int = 0


class UnreadableSession(Exception):
    """Stored state that cannot be read: corrupt, an older format, or another key."""


class SessionCodec:
    """JSON sealed with AES-GCM: personal data is never stored in clear."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def dumps(self, session: DialogSession) -> bytes:
        # field by field: dataclasses.asdict deep-copies, a cost on every turn
        payload = {
            "format": FORMAT,
            "step": session.step,
            "lang": session.lang,
            "spec_version": session.spec_version,
            "data": session.data,
            "history": session.history,
            "turn": session.turn,
        }
        return self._sealer.seal(json.dumps(payload, separators=(",", ":")).encode())

    def loads(self, blob: bytes) -> DialogSession:
        try:
            payload = json.loads(self._sealer.open(blob))
            if not isinstance(payload, dict) or payload.pop("format", None) != FORMAT:
                raise UnreadableSession("format")
            return DialogSession(**payload)
        except (ValueError, TypeError) as exc:  # Unsealable is a ValueError
            raise UnreadableSession(type(exc).__name__) from exc
