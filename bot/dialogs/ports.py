"""The small ports dialogs call that are not an external system's own port (those live in
`integrations/`, `pki_bridge/` and `bot.accounts`). Each dialog names the ones it needs
in its constructor; `bot.bootstrap` gives them."""

from __future__ import annotations

from typing import Protocol

from bot.i18n import Msg


class Notifier(Protocol):
    """Text messages to a phone, written in the person's language from the catalogs."""

    async def send(self, phone: str, message: Msg, lang: str) -> None:
        """Send now. Raises IntegrationUnavailable / IntegrationRejected."""
        ...

    def send_after_reply(self, phone: str, message: Msg, lang: str) -> None:
        """Send once the reply is on its way, so waiting for the gateway (or its failure)
        never shows in the reply (forgot password must not tell who has an account)."""
        ...


class PasswordHashing(Protocol):
    """argon2id off the event loop (`bot.passwords`)."""

    async def hash_async(self, password: str) -> str: ...

    async def verify_async(self, password_hash: str, password: str) -> bool: ...
