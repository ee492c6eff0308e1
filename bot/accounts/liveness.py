"""Checking a pooled PostgreSQL connection before use, only when it may have died idle.

SQLAlchemy's `pool_pre_ping` checks every connection at every checkout, and on asyncpg
that is three round trips (BEGIN, an empty statement, ROLLBACK: a transaction kept for
pgbouncer's sake). A turn that checks for a duplicate paid them before its one SELECT,
and at saturation each round trip waits for the event loop to come round: the p99 of
turns at saturation was 220 ms with them, 163-173 without (bench/ussd_load.py).

A connection dies while idle: a restarted server, a network device dropping a quiet
connection. One handed back moments ago is alive but for a restart in those moments,
and then the query fails, SQLAlchemy discards every connection opened before it, and the
person is asked to try again with nothing lost. So a connection idle for longer than
`after` seconds is checked, with one round trip (a simple query: no statement prepared);
a busier one is not. The pool hands out the connection used last (`pool_use_lifo`), so
a quiet worker keeps using one and leaves the others to rest, checked when next needed;
handed out oldest first, every one would rest between uses and be checked each time.
"""

from __future__ import annotations

import time
from typing import Any, Final

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_

_IDLE_SINCE: Final = "regbot_idle_since"
CHECK_TIMEOUT: Final = 2.0  # seconds: a server that answers slower is treated as gone
# what a dead connection raises; anything else is a bug to see, not a connection to drop
_DEAD: Final = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def ping_when_idle(engine: AsyncEngine, after: float) -> None:
    """Check an asyncpg connection idle for more than `after` seconds before handing it
    out; a dead one is replaced (SQLAlchemy retries the checkout on DisconnectionError)."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _handed_back(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _taken(_dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        driver = record.driver_connection
        if since is None or driver is None or time.monotonic() - since <= after:
            return  # just opened, or in use moments ago
        try:
            await_(driver.execute("SELECT 1", timeout=CHECK_TIMEOUT))
        except _DEAD as exc:  # closed, reset, timed out: open another
            raise DisconnectionError(type(exc).__name__) from exc
