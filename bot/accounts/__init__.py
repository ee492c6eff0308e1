"""Accounts: the model and the repository port. Adapters are imported where they are
used (`bot.accounts.repository` for SQLAlchemy, `bot.accounts.schema` for migrations),
so a dialog that only knows accounts never loads a database driver."""

from bot.accounts.model import (
    Account,
    AccountKind,
    AccountsUnavailable,
    DuplicateAccount,
    IdType,
    NewAccount,
)
from bot.accounts.port import Accounts

__all__ = [
    "Account",
    "AccountKind",
    "Accounts",
    "AccountsUnavailable",
    "DuplicateAccount",
    "IdType",
    "NewAccount",
]
