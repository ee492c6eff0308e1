"""The OA's access/refresh token pair, kept encrypted in the shared store for all workers.

A refresh token works once, so only one worker refreshes at a time (a lock in the store);
a worker that waited finds the pair the other one stored and uses it. The first pair
comes from the settings. Nothing here logs a token."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken

from bot.channels.zalo.config import ZaloConfig
from bot.state.store import StateStore, StoreUnavailable
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from integrations.http import JsonHttp

log = logging.getLogger("regbot.zalo")

TOKENS_KEY: Final = "zalo:tokens:{app_id}"
REFRESH_LOCK: Final = "zalo:tokens:{app_id}:refresh"
KEEP_SECONDS: Final = 100 * 24 * 60 * 60  # a refresh token lasts three months


class RefreshFailed(Exception):
    """No working access token: the OAuth server refused or did not answer."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float = 0.0

    def __repr__(self) -> str:
        return "TokenPair(...)"


class TokenVault:
    def __init__(
        self, store: StateStore, fernet: Fernet, config: ZaloConfig, oauth: JsonHttp
    ) -> None:
        self._store = store
        self._fernet = fernet
        self._config = config
        self._oauth = oauth
        self._key = TOKENS_KEY.format(app_id=config.app_id)
        self._lock_key = REFRESH_LOCK.format(app_id=config.app_id)
        # a stored pair descends from the settings' pair: new settings supersede it
        first = f"{config.access_token}\x00{config.refresh_token}".encode()
        self._origin = hashlib.sha256(first).hexdigest()[:16]
        self.refreshes = 0  # by this worker (tests and metrics)

    async def current(self) -> TokenPair:
        """The pair in the store, or the settings' first pair."""
        stored = await self._load()
        if stored is not None:
            return stored
        return TokenPair(self._config.access_token, self._config.refresh_token)

    async def refresh(self, stale_access_token: str) -> TokenPair:
        """A working pair after `stale_access_token` was refused (-216): refreshed once,
        whichever worker asks first; the others wait and take the stored result."""
        try:
            async with self._store.lock(self._lock_key):
                current = await self.current()
                if current.access_token != stale_access_token:
                    return current  # another worker refreshed meanwhile
                fresh = await self._exchange(current.refresh_token)
                await self._save(fresh)
                self.refreshes += 1
                log.info("Zalo access token refreshed")
                return fresh
        except StoreUnavailable as exc:
            raise RefreshFailed("store unavailable") from exc

    async def _exchange(self, refresh_token: str) -> TokenPair:
        form = {
            "refresh_token": refresh_token,
            "app_id": self._config.app_id,
            "grant_type": "refresh_token",
        }
        try:
            reply = await self._oauth.request(
                "POST",
                "/v4/oa/access_token",
                form=form,
                headers={"secret_key": self._config.app_secret},
            )
        except (IntegrationUnavailable, IntegrationRejected) as exc:
            log.error("Zalo token refresh failed: %s", type(exc).__name__)
            raise RefreshFailed(type(exc).__name__) from exc
        body: Any = reply.body if reply is not None else None
        if not isinstance(body, dict) or not body.get("access_token"):
            name = body.get("error_name", "-") if isinstance(body, dict) else "-"
            code = body.get("error", "-") if isinstance(body, dict) else "-"
            log.error("Zalo token refresh refused: error %s (%s)", code, str(name)[:60])
            raise RefreshFailed(str(code))
        try:
            lifetime = float(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            lifetime = 0.0
        return TokenPair(
            str(body["access_token"]),
            str(body.get("refresh_token") or refresh_token),
            time.time() + lifetime,
        )

    async def _load(self) -> TokenPair | None:
        blob = await self._store.load(self._key)
        if blob is None:
            return None
        try:
            stored = json.loads(self._fernet.decrypt(blob))
            if stored.pop("origin", None) != self._origin:
                return None
            return TokenPair(**stored)
        except (InvalidToken, ValueError, TypeError):
            log.error("the stored Zalo tokens cannot be read; using the settings' pair")
            return None

    async def _save(self, pair: TokenPair) -> None:
        blob = self._fernet.encrypt(
            json.dumps(
                {
                    "access_token": pair.access_token,
                    "refresh_token": pair.refresh_token,
                    "expires_at": pair.expires_at,
                    "origin": self._origin,
                }
            ).encode()
        )
        await self._store.save(self._key, blob, KEEP_SECONDS)
