"""Accounts: the model, the repository port, its SQLAlchemy adapter and the migrations."""

from bot.accounts.model import (
    Account,
    AccountKind,
    AccountsUnavailable,
    DuplicateAccount,
    IdType,
    NewAccount,
)
from bot.accounts.port import Accounts
from bot.accounts.repository import SqlAccounts, make_engine, normalise_identity
from bot.accounts.schema import alembic_config, migrate

__all__ = [
    "Account",
    "AccountKind",
    "Accounts",
    "AccountsUnavailable",
    "DuplicateAccount",
    "IdType",
    "NewAccount",
    "SqlAccounts",
    "alembic_config",
    "make_engine",
    "migrate",
    "normalise_identity",
]
