"""One-time password links (`/secret/{token}`): Zalo cannot delete a message, so a
password is never typed into the chat but on a page behind a link like this.

Like signing links (`bot.signing.links`): single use, 10 minutes, kept encrypted in the
shared store under a keyed hash of the token, so a leaked store leaks no link."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

from bot.state.store import StateStore

LINK_LIFETIME: Final = 10 * 60
KEEP_AFTER_EXPIRY: Final = 60 * 60  # a used or expired link still says so
_PREFIX: Final = "secretlink:"


@dataclass(frozen=True, slots=True)
class SecretLink:
    channel: str
    user_id: str
    lang: str
    step: str  # the password step the dialog waits at
    expires_at: float
    used: bool = False

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


class SecretLinks:
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
        digest = hmac.new(self._token_key, token.encode(), hashlib.sha256).hexdigest()
        return _PREFIX + digest

    def form_token(self, token: str, cookie: str) -> str:
        """The CSRF field of the page: bound to the link and to the browser's cookie."""
        data = f"secret-form\x00{token}\x00{cookie}".encode()
        return hmac.new(self._token_key, data, hashlib.sha256).hexdigest()

    async def issue(self, channel: str, user_id: str, lang: str, step: str) -> tuple[str, str]:
        """(token for the URL, link id to withdraw it when a newer link replaces it)."""
        token = secrets.token_urlsafe(24)
        link = SecretLink(channel, user_id, lang, step, self.clock() + self.lifetime)
        link_id = self.link_id(token)
        await self._save(link_id, link)
        return token, link_id

    async def withdraw(self, link_id: str) -> None:
        """A newer screen replaced the link: it stops working (and says it was used)."""
        link = await self.by_id(link_id)
        if link is not None and not link.used:
            await self._save(link_id, replace(link, used=True))

    async def by_token(self, token: str) -> SecretLink | None:
        return await self.by_id(self.link_id(token))

    async def by_id(self, link_id: str) -> SecretLink | None:
        blob = await self._store.load(link_id)
        if blob is None:
            return None
        try:
            return SecretLink(**json.loads(self._fernet.decrypt(blob)))
        except (InvalidToken, ValueError, TypeError):
            return None

    @asynccontextmanager
    async def using(self, token: str) -> AsyncIterator[None]:
        """Hold the link's lock while the password is set, so only one use can win."""
        async with self._store.lock(self.link_id(token)):
            yield

    async def use_up(self, token: str, link: SecretLink) -> None:
        await self._save(self.link_id(token), replace(link, used=True))

    async def _save(self, link_id: str, link: SecretLink) -> None:
        ttl = max(1, int(link.expires_at - self.clock()) + KEEP_AFTER_EXPIRY)
        await self._store.save(
            link_id, self._fernet.encrypt(json.dumps(asdict(link)).encode()), ttl
        )
