"""Bring the accounts database to the newest schema (Alembic, configured in code)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.repository import make_engine
from bot.config import ConfigError

SCRIPT_LOCATION = "bot.accounts:migrations"  # found in the installed package, no alembic.ini
_PG_MIGRATION_LOCK = 0x7265_6762  # "regb": one migrating worker at a time
RETRY_FIRST: Final = 1.0  # seconds before trying an unreachable database again, doubling
RETRY_MAX: Final = 15.0

log = logging.getLogger(__name__)


class DatabaseUnreachable(ConfigError):
    """The database did not answer: a command stops; `regbot serve` starts anyway."""


def alembic_config(url: str | None = None) -> Config:
    """The Alembic config (for `migrate`, and for `alembic` commands run from Python)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several workers start at once: the first migrates, the others wait and find
        # nothing left to do (the lock ends with the transaction).
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(target: AsyncEngine | str) -> None:
    """Upgrade the database to the head revision. Safe to call at every start-up.

    Raises ConfigError, naming the error type only (a URL may carry a password), when the
    database does not answer: the service cannot start without it.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseUnreachable(
            f"the accounts database does not answer ({type(exc).__name__}): "
            "check DATABASE_URL and that the database is running"
        ) from exc
    finally:
        if isinstance(target, str):
            await engine.dispose()


class SchemaKeeper:
    """The schema brought up to date at start, or - when the database does not answer
    then - in the background once it does. The service starts either way: /healthz says
    503 meanwhile (`healthy`), a person's steps that need no database go on, and those
    that do are asked to try again (a query on a database not yet migrated fails like
    one that is down: `bot.accounts.repository._unavailable`)."""

    def __init__(
        self, engine: AsyncEngine, *, first: float = RETRY_FIRST, most: float = RETRY_MAX
    ) -> None:
        self._engine = engine
        self._first, self._most = first, most
        self._ready = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            await migrate(self._engine)
        except DatabaseUnreachable as exc:
            log.warning("%s; regbot starts and tries again (/healthz says 503 until then)", exc)
            self._task = asyncio.get_running_loop().create_task(self._keep_trying())
            return
        self._ready = True

    async def healthy(self) -> bool:
        return self._ready

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _keep_trying(self) -> None:
        delay = self._first
        while True:
            await asyncio.sleep(delay)
            try:
                await migrate(self._engine)
            except DatabaseUnreachable as exc:
                log.warning("%s; trying again in %.0f s", exc, min(delay * 2, self._most))
                delay = min(delay * 2, self._most)
                continue
            self._ready = True
            log.warning("the accounts database answers now; its schema is up to date")
            return
