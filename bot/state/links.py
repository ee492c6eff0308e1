"""One-time links (`/sign/{token}`, Zalo's `/secret/{token}`): a record per link, kept
encrypted in the shared store under a keyed hash of its token, so any worker can serve
the link and a leaked store leaks none. Each kind of link brings its record (a dataclass
with `expires_at`), its key prefix and how a decoded record is rebuilt."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from cryptography.fernet import Fernet, InvalidToken

from bot.state.store import StateStore

LINK_LIFETIME: Final = 10 * 60  # seconds (the guide's signing links: 10 minutes)
KEEP_AFTER_EXPIRY: Final = 60 * 60  # an expired or used link still says so


class Expiring(Protocol):
    """A link's record: a dataclass that says when the link stops working."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def expires_at(self) -> float: ...  # epoch seconds


R = TypeVar("R", bound=Expiring)


class OneTimeLinks(Generic[R]):
    """Tokens and their records; a kind of link names its key `prefix` and rebuilds its
    record in `decode`; what a use of the link means is its own."""

    prefix: ClassVar[str]

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

    def decode(self, payload: dict[str, Any]) -> R:
        raise NotImplementedError

    def link_id(self, token: str) -> str:
        """The store key of a token: a keyed hash, so the store never sees a token."""
        digest = hmac.new(self._token_key, token.encode(), hashlib.sha256).hexdigest()
        return self.prefix + digest

    def new_token(self) -> tuple[str, str]:
        """(a fresh token for the URL, its link id)."""
        token = secrets.token_urlsafe(24)
        return token, self.link_id(token)

    def expiry(self) -> float:
        """When a link issued now stops working."""
        return self.clock() + self.lifetime

    async def by_token(self, token: str) -> R | None:
        return await self.by_id(self.link_id(token))

    async def by_id(self, link_id: str) -> R | None:
        """The record, or None when it is gone or does not decrypt and decode."""
        blob = await self._store.load(link_id)
        if blob is None:
            return None
        try:
            return self.decode(json.loads(self._fernet.decrypt(blob)))
        except (InvalidToken, ValueError, TypeError, KeyError):
            return None

    def locked(self, link_id: str) -> AbstractAsyncContextManager[None]:
        """The link's lock across workers, held while a use is decided: one use wins."""
        return self._store.lock(link_id)

    async def save(self, link_id: str, record: R) -> None:
        ttl = max(1, int(record.expires_at - self.clock()) + KEEP_AFTER_EXPIRY)
        blob = self._fernet.encrypt(json.dumps(asdict(record)).encode())
        await self._store.save(link_id, blob, ttl)

    async def delete(self, link_id: str) -> None:
        await self._store.delete(link_id)
