"""One-time signing links: a challenge per link, kept as `bot.state.links` keeps every
one-time link (encrypted, under a keyed hash of the token, any worker serves it); an
expired or used link still answers 410 / 409.

The challenge is a registration statement (`pki_bridge.statement.usb_statement`): it names
regbot's service, the link, the registrant kind, a fresh nonce and the time of issue, so
the signature kept as an account's evidence shows it was made for this registration - a
signature the person made elsewhere, over anything else, does not pass for one (the
auditor checks the statement, `bot.accounts.audit`). Before that the challenge was 32
random bytes, which named nothing."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from bot.state.links import OneTimeLinks
from pki_bridge.statement import SERVICE, usb_statement

NONCE_BYTES: Final = 16


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
    challenge: str  # base64 of the registration statement the plugin signs
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


class SigningLinks(OneTimeLinks[LinkRecord]):
    """Issues links, and reads or settles them by token (web) or link id (dialog)."""

    prefix = "signlink:"

    def decode(self, payload: dict[str, Any]) -> LinkRecord:
        return LinkRecord(**{**payload, "state": LinkState(payload["state"])})

    async def issue(
        self, channel: str, user_id: str, lang: str, kind: str, wait_step: str
    ) -> tuple[str, str]:
        """A fresh link for this dialog; returns (token for the URL, link id for the dialog)."""
        token, link_id = self.new_token()
        issued_at = self.clock()
        statement = usb_statement(
            SERVICE,
            link_id.removeprefix(self.prefix),
            kind,
            secrets.token_urlsafe(NONCE_BYTES),
            dt.datetime.fromtimestamp(issued_at, dt.UTC),
        )
        record = LinkRecord(
            channel=channel,
            user_id=user_id,
            lang=lang,
            kind=kind,
            wait_step=wait_step,
            challenge=base64.b64encode(statement).decode(),
            expires_at=issued_at + self.lifetime,
        )
        await self.save(link_id, record)
        return token, link_id

    async def withdraw(self, link_id: str) -> None:
        """A link replaced by a new one stops working at once (its challenge too)."""
        await self.delete(link_id)

    @asynccontextmanager
    async def settling(self, token: str) -> AsyncIterator[str]:
        """Hold the link's lock while a signature is checked, so only one use can win."""
        link_id = self.link_id(token)
        async with self.locked(link_id):
            yield link_id

    async def settle(self, link_id: str, record: LinkRecord, **changes: Any) -> LinkRecord:
        """Record the outcome of a signature (call inside `settling`)."""
        settled = replace(record, **changes)
        await self.save(link_id, settled)
        return settled
