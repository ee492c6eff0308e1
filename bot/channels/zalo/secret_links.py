"""One-time password links (`/secret/{token}`): Zalo cannot delete a message, so a
password is never typed into the chat but on a page behind a link like this.

Kept like signing links (`bot.state.links`): single use, 10 minutes, encrypted in the
shared store under a keyed hash of the token, so a leaked store leaks no link."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from bot.state.links import OneTimeLinks


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


class SecretLinks(OneTimeLinks[SecretLink]):
    prefix = "secretlink:"

    def decode(self, payload: dict[str, Any]) -> SecretLink:
        return SecretLink(**payload)

    def form_token(self, token: str, cookie: str) -> str:
        """The CSRF field of the page: bound to the link and to the browser's cookie."""
        data = f"secret-form\x00{token}\x00{cookie}".encode()
        return hmac.new(self._token_key, data, hashlib.sha256).hexdigest()

    async def issue(self, channel: str, user_id: str, lang: str, step: str) -> tuple[str, str]:
        """(token for the URL, link id to withdraw it when a newer link replaces it)."""
        token, link_id = self.new_token()
        await self.save(link_id, SecretLink(channel, user_id, lang, step, self.expiry()))
        return token, link_id

    async def withdraw(self, link_id: str) -> None:
        """A newer screen replaced the link: it stops working (and says it was used)."""
        link = await self.by_id(link_id)
        if link is not None and not link.used:
            await self.save(link_id, replace(link, used=True))

    @asynccontextmanager
    async def using(self, token: str) -> AsyncIterator[None]:
        """Hold the link's lock while the password is set, so only one use can win."""
        async with self.locked(self.link_id(token)):
            yield

    async def use_up(self, token: str, link: SecretLink) -> None:
        await self.save(self.link_id(token), replace(link, used=True))
