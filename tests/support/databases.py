"""Migrated, empty databases of both backends (SQLite embedded, PostgreSQL in production),
each test on its own: `database` runs a test on both (a contract test)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts import Account, NewAccount
from bot.accounts.repository import SqlAccounts, make_engine
from bot.accounts.schema import migrate
from bot.keys import SecretKeys
from tests.support.evidence import evidence_for

KEYS = SecretKeys.from_secret("a test secret that is long enough")


class Registering(SqlAccounts):
    """The repository, each account given evidence its method would have recorded."""

    async def create(self, account: NewAccount, evidence: Any = None) -> Account:
        return await super().create(account, evidence or evidence_for(account, KEYS))


@dataclass
class Database:
    """A migrated, empty database of one backend, and ways to open more engines on it."""

    url: str
    connect_args: dict[str, Any]
    unreachable_url: str
    engines: list[AsyncEngine] = field(default_factory=list)

    def engine(self, **options: Any) -> AsyncEngine:
        engine = make_engine(self.url, connect_args=self.connect_args, **options)
        self.engines.append(engine)
        return engine

    def accounts(self, **options: Any) -> Registering:
        """A repository with its own engine: another worker process, as far as it knows."""
        return Registering(self.engine(**options), KEYS)

    async def raw_rows(self, table: str = "accounts") -> list[dict[str, Any]]:
        async with self.engine().connect() as connection:
            result = await connection.execute(text(f"SELECT * FROM {table}"))
            return [dict(row._mapping) for row in result]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(
        url=f"sqlite+aiosqlite:///{tmp_path / 'accounts.sqlite'}",
        connect_args={},
        unreachable_url=f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'accounts.sqlite'}",
    )
    await migrate(database.engine())
    yield database
    for engine in database.engines:
        await engine.dispose()


@pytest.fixture
async def postgres_database(postgres_url: str) -> AsyncIterator[Database]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(postgres_url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(
        url=postgres_url,
        connect_args={"server_settings": {"search_path": schema}},
        unreachable_url=f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/test",
    )
    try:
        await migrate(database.engine())
        yield database
    finally:
        for engine in database.engines:
            await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"{request.param}_database")
