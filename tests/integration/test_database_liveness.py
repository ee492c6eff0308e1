"""A pooled PostgreSQL connection that died while it sat idle (a restarted server, a
network device dropping a quiet connection) is replaced before a person's turn uses it.
One used moments ago is not checked - the check is a round trip a busy turn would wait
for - and if the server went away in those moments, the person is asked to try again and
the retry works."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts import AccountKind, AccountsUnavailable
from tests.support.databases import Database

ID_NUMBER = "001090012345"


async def _backend_of(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def _server_drops(database: Database, pid: int) -> None:
    admin = await asyncpg.connect(database.url.replace("+asyncpg", ""))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await admin.close()


async def test_a_connection_dropped_while_idle_is_replaced_before_the_duplicate_check(
    postgres_database: Database,
):
    accounts = postgres_database.accounts(ping_after_idle=0.0)  # any rest counts as idle
    [engine] = postgres_database.engines[-1:]
    dropped = await _backend_of(engine)
    await _server_drops(postgres_database, dropped)

    assert await accounts.exists(AccountKind.CITIZEN, ID_NUMBER) is False
    assert await _backend_of(engine) != dropped


async def test_a_connection_used_moments_ago_is_not_checked_and_the_retry_works(
    postgres_database: Database,
):
    accounts = postgres_database.accounts(ping_after_idle=3600.0)
    [engine] = postgres_database.engines[-1:]
    await _server_drops(postgres_database, await _backend_of(engine))

    with pytest.raises(AccountsUnavailable):  # the person is told to try again
        await accounts.exists(AccountKind.CITIZEN, ID_NUMBER)
    assert await accounts.exists(AccountKind.CITIZEN, ID_NUMBER) is False


async def test_after_a_burst_a_quiet_worker_keeps_using_the_connection_it_used_last(
    postgres_database: Database,
):
    """The others rest and are checked when next needed; handed out oldest first, every
    connection would rest between uses and each duplicate check would wait for a check."""
    accounts = postgres_database.accounts()
    [engine] = postgres_database.engines[-1:]
    await asyncio.gather(*(_backend_of(engine) for _ in range(20)))  # a burst opens 20

    backends = [await _backend_of(engine) for _ in range(5)]
    assert await accounts.exists(AccountKind.CITIZEN, ID_NUMBER) is False
    assert len(set(backends)) == 1
