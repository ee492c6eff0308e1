"""The accounts repository port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.accounts.model import Account, AccountKind, NewAccount

if TYPE_CHECKING:  # pki_bridge reads bot.accounts.model: evidence (pki_bridge's) comes later
    from bot.accounts.evidence import Evidence


class Accounts(Protocol):
    async def exists(self, kind: AccountKind, id_number: str) -> bool:
        """Whether an account of this kind holds this identity number (by keyed hash)."""
        ...

    async def find(self, kind: AccountKind, id_number: str) -> Account | None: ...

    async def create(self, account: NewAccount, evidence: Evidence) -> Account:
        """Store a new account with the evidence of its level, in one transaction.

        Raises DuplicateAccount (enforced by a unique index), or InsufficientEvidence
        when the evidence does not carry the account's method and level.
        """
        ...

    async def set_password(self, account_id: int, password_hash: str) -> None: ...

    async def ping(self) -> bool:
        """True when the database answers (for /healthz)."""
        ...
