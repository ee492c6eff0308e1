"""One-time signing links: a challenge per link, kept in the StateStore under a keyed hash.

Any worker can serve `/sign/{token}`: the record lives in the shared store, encrypted, and
the store never sees the token itself, only HMAC(tokens key, token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken

from bot.state.store import StateStore

LINK_LIFETIME: Final = 10 * 60  # seconds (issue 4: 10 minutes)
KEEP_AFTER_EXPIRY: Final = 60 * 60  # an expired or used link still answers 410 / 409
CHALLENGE_BYTES: Final = 32
_PREFIX: Final = "signlink:"


class LinkState(StrEnum):
    ISSUED = "issued"  # waiting for the plugin's signature
    SIGNED = "signed"  # accepted: `identity` is what the certificate vouches for, `proof` why
    REFUSED = "refused"  # a signature came and was refused: `reason` says why


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """What a link stands for: whose dialog, which anchors, the challenge, the outcome."""

    channel: str
    user_id: str
    lang: str
    kind: str  # registrant kind the dialog chose: citizen | business | official
    wait_step: str  # the dialog step that waits for this link (where events go)
    challenge: str  # base64
    expires_at: float  # epoch seconds
    state: LinkState = LinkState.ISSUED
    reason: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    proof: str | None = None  # SIGNED: the name of the signature's evidence (SignatureProofs)

    @property
    def official(self) -> bool:
        return self.kind == "official"

    @property
    def challenge_bytes(self) -> bytes:
        return base64.b64decode(self.challenge)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


class SigningLinks:
    """Issues links, and reads or settles them by token (web) or link id (dialog)."""

    def __init__(
        self,
        store: StateStore,
        fernet: Fernet,
        token_key: bytes,
        *,
        lifetime: int = LINK_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._fernet = fernet
        self._token_key = token_key
        self.lifetime = lifetime
        self.clock = clock

    def link_id(self, token: str) -> str:
        """The store key of a token: a keyed hash, so a leaked store leaks no links."""
        digest = hmac.new(self._token_key, token.encode(), hashlib.sha256).hexdigest()
        return _PREFIX + digest

    async def issue(
        self, channel: str, user_id: str, lang: str, kind: str, wait_step: str
    ) -> tuple[str, str]:
        """A fresh link for this dialog; returns (token for the URL, link id for the dialog)."""
        token = secrets.token_urlsafe(24)
        record = LinkRecord(
            channel=channel,
            user_id=user_id,
            lang=lang,
            kind=kind,
            wait_step=wait_step,
            challenge=base64.b64encode(secrets.token_bytes(CHALLENGE_BYTES)).decode(),
            expires_at=self.clock() + self.lifetime,
        )
        link_id = self.link_id(token)
        await self._save(link_id, record)
        return token, link_id

    async def withdraw(self, link_id: str) -> None:
        """A link replaced by a new one stops working at once (its challenge too)."""
        await self._store.delete(link_id)

    async def by_token(self, token: str) -> LinkRecord | None:
        return await self.by_id(self.link_id(token))

    async def by_id(self, link_id: str) -> LinkRecord | None:
        blob = await self._store.load(link_id)
        if blob is None:
            return None
        try:
            payload = json.loads(self._fernet.decrypt(blob))
            payload["state"] = LinkState(payload["state"])
            return LinkRecord(**payload)
        except (InvalidToken, ValueError, TypeError, KeyError):
            return None

    @asynccontextmanager
    async def settling(self, token: str) -> AsyncIterator[str]:
        """Hold the link's lock while a signature is checked, so only one use can win."""
        link_id = self.link_id(token)
        async with self._store.lock(link_id):
            yield link_id

    async def settle(self, link_id: str, record: LinkRecord, **changes: Any) -> LinkRecord:
        """Record the outcome of a signature (call inside `settling`)."""
        settled = replace(record, **changes)
        await self._save(link_id, settled)
        return settled

    async def _save(self, link_id: str, record: LinkRecord) -> None:
        ttl = max(1, int(record.expires_at - self.clock()) + KEEP_AFTER_EXPIRY)
        blob = self._fernet.encrypt(json.dumps(asdict(record)).encode())
        await self._store.save(link_id, blob, ttl)
