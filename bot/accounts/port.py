"""The accounts repository port."""

from __future__ import annotations

from typing import Protocol

from bot.accounts.model import Account, AccountKind, NewAccount


class Accounts(Protocol):
    async def exists(self, kind: AccountKind, id_number: str) -> bool:
        """Whether an account of this kind holds this identity number (by keyed hash)."""
        ...

    async def find(self, kind: AccountKind, id_number: str) -> Account | None: ...

    async def create(self, account: NewAccount) -> Account:
        """Store a new account. Raises DuplicateAccount (enforced by a unique index)."""
        ...

    async def set_password(self, account_id: int, password_hash: str) -> None: ...

    async def ping(self) -> bool:
        """True when the database answers (for /healthz)."""
        ...
