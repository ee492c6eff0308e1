"""Alembic environment: runs on the connection `migrate` hands over, or on its own URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.accounts import support_tables  # noqa: F401 - its tables join Base.metadata
from bot.accounts.repository import make_engine
from bot.accounts.tables import Base
from bot.config import Settings

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    """The URL given to Alembic, or the one `regbot serve` would use (the `alembic`
    command run by an operator: `alembic.ini` names no database)."""
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().accounts_url


async def _run_on_url(url: str) -> None:
    engine = make_engine(url)  # plain postgresql:/sqlite: URLs get their async driver
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (given := config.attributes.get("connection")) is not None:
    _run(given)
else:
    asyncio.run(_run_on_url(_url()))
