"""The accounts repository on SQLAlchemy 2 async: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from datetime import UTC, date, datetime
from typing import Any, Final

import asyncpg
from sqlalchemy import Row, event, exists, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.accounts import sealing
from bot.accounts.evidence import Evidence, InsufficientEvidence, shortfalls
from bot.accounts.liveness import ping_when_idle
from bot.accounts.model import (
    Account,
    AccountKind,
    AccountsUnavailable,
    DuplicateAccount,
    IdType,
    NewAccount,
)
from bot.accounts.tables import UNIQUE_IDENTITY, accounts, evidence_blobs
from bot.accounts.tables import evidence as evidence_table
from bot.config import ConfigError
from bot.keys import SecretKeys

logger = logging.getLogger(__name__)

SQLITE_BUSY_MS: Final = 10_000
PING_TIMEOUT: Final = 5.0
_ASYNC_DRIVERS: Final = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
# A database that is down, restarting or overloaded; never an IntegrityError (a duplicate).
_UNAVAILABLE: Final = (
    DBAPIError,
    DisconnectionError,
    PoolTimeout,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


POOL_SIZE: Final = 20
PING_AFTER_IDLE: Final = 5.0  # seconds a pooled connection may rest unchecked (liveness)


def make_engine(
    url: str, *, ping_after_idle: float = PING_AFTER_IDLE, **options: Any
) -> AsyncEngine:
    """An async engine; plain `sqlite:` / `postgresql:` URLs get their async driver.

    SQLite gets WAL and a busy timeout so concurrent writers wait instead of failing;
    asyncpg gets connect and command timeouts so a dead server is reported quickly, and
    a pooled connection idle for more than `ping_after_idle` seconds is checked before
    use (`bot.accounts.liveness`: SQLAlchemy's own pre-ping costs three round trips).
    `options` go to `create_async_engine` (`connect_args` are merged with the defaults).
    """
    try:
        return _engine(url, ping_after_idle, options)
    except (SQLAlchemyError, ImportError, ValueError) as exc:  # not its text: a password
        raise ConfigError(
            f"DATABASE_URL is not a database address regbot can use ({type(exc).__name__}): "
            "use postgresql://user:password@host:5432/name"
        ) from exc


def _engine(url: str, ping_after_idle: float, options: dict[str, Any]) -> AsyncEngine:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    sqlite = parsed.get_backend_name() == "sqlite"
    defaults = (
        {"timeout": SQLITE_BUSY_MS / 1000} if sqlite else {"timeout": 5, "command_timeout": 30}
    )
    options["connect_args"] = {**defaults, **options.get("connect_args", {})}
    if not sqlite:
        # Up to 20 connections a worker, each kept once opened: the turns, the recorder and
        # the console reach the database in bursts, and a connection opened for a burst and
        # closed after it (SQLAlchemy's overflow) costs a server process, asyncpg's set-up
        # and a new statement cache - at saturation over 200 of them in 12 s. 20 a worker: 4
        # workers stay within PostgreSQL's default max_connections of 100.
        options.setdefault("pool_size", POOL_SIZE)
        options.setdefault("max_overflow", 0)
        options.setdefault("pool_use_lifo", True)  # the one used last: see liveness
    engine = create_async_engine(parsed, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    elif not options.get("pool_pre_ping"):
        ping_when_idle(engine, ping_after_idle)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def normalise_identity(number: str) -> str:
    """The form an identity number is hashed in: no spaces, dots or dashes, upper case."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in folded if ch.isalnum())


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction; an unreachable database becomes AccountsUnavailable
    (an IntegrityError, e.g. a duplicate, goes through as it is)."""
    with _unavailable():
        async with engine.begin() as connection:
            yield connection


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for one read, outside a transaction: a single SELECT needs no
    BEGIN and COMMIT, two round trips that under load each wait a turn of the event loop
    (at saturation this took the duplicate check from 53 to 25 ms p50 in a traced run)."""
    if engine.dialect.name == "sqlite":  # no round trips to save, and switching costs
        async with transaction(engine) as connection:
            yield connection
        return
    with _unavailable():
        async with engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def _unavailable() -> Iterator[None]:
    """An unreachable database becomes AccountsUnavailable; an IntegrityError (e.g. a
    duplicate) goes through as it is."""
    try:
        yield
    except IntegrityError:
        raise
    except _UNAVAILABLE as exc:
        # the type only: SQLAlchemy's message carries the statement's parameters
        logger.warning("database unavailable: %s", type(exc).__name__)
        raise AccountsUnavailable(type(exc).__name__) from exc


class SqlAccounts:
    """Accounts in one table; identity looked up by keyed hash, personal fields encrypted."""

    def __init__(self, engine: AsyncEngine, keys: SecretKeys) -> None:
        self._engine = engine
        self._keys = keys

    def _identity_hash(self, kind: AccountKind, id_number: str) -> str:
        return self._keys.identity_hash(str(kind), normalise_identity(id_number))

    def _connection(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return transaction(self._engine)

    async def exists(self, kind: AccountKind, id_number: str) -> bool:
        query = select(
            exists().where(
                accounts.c.kind == str(kind),
                accounts.c.identity_hash == self._identity_hash(kind, id_number),
            )
        )
        async with reading(self._engine) as connection:
            return bool(await connection.scalar(query))

    async def find(self, kind: AccountKind, id_number: str) -> Account | None:
        query = select(accounts).where(
            accounts.c.kind == str(kind),
            accounts.c.identity_hash == self._identity_hash(kind, id_number),
        )
        async with reading(self._engine) as connection:
            row = (await connection.execute(query)).first()
        return self._account(row) if row else None

    async def create(self, account: NewAccount, evidence: Evidence) -> Account:
        """Store the account and its sealed evidence in one transaction. Raises
        DuplicateAccount, or InsufficientEvidence when the evidence does not carry the
        account's method and level (nothing is written then)."""
        if account.password_hash is not None and not account.password_hash.startswith("$argon2id$"):
            raise ValueError("password_hash must be an argon2id hash, never a password")
        values = self._row_values(account, datetime.now(UTC))
        lacking = shortfalls(account, evidence, values["phone_hash"])
        if lacking:
            raise InsufficientEvidence("; ".join(lacking))
        created_at = values["created_at"]
        try:
            async with self._connection() as connection:
                result = await connection.execute(
                    insert(accounts).values(**values).returning(accounts.c.id)
                )
                new_id = int(result.scalar_one())
                binding = sealing.Binding(
                    account_id=new_id,
                    kind=values["kind"],
                    identity_hash=values["identity_hash"],
                    level=account.verification_level,
                    method=account.method,
                    created_at=created_at,
                    channel=evidence.channel,
                    version=evidence.version,
                    holder=sealing.holder_digest(account),
                )
                await self._write_evidence(connection, binding, evidence)
        except IntegrityError as exc:
            if "identity_hash" in str(exc.orig) or UNIQUE_IDENTITY in str(exc.orig):
                raise DuplicateAccount(str(account.kind)) from None
            raise
        return Account(
            id=new_id,
            kind=account.kind,
            id_type=account.id_type,
            id_number=account.id_number,
            full_name=account.full_name,
            verification_level=account.verification_level,
            method=account.method,
            created_at=created_at,
            date_of_birth=account.date_of_birth,
            phone=account.phone,
            email=account.email,
            password_hash=account.password_hash,
            agency=account.agency,
        )

    async def _write_evidence(
        self, connection: AsyncConnection, binding: sealing.Binding, evidence: Evidence
    ) -> None:
        """The sealed document, and the shared DER it names unless already stored."""
        document, blobs = sealing.encode(evidence)
        if blobs:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            rows = [{"digest": name, "der": der} for name, der in sorted(blobs.items())]
            await connection.execute(
                dialect.insert(evidence_blobs).values(rows).on_conflict_do_nothing()
            )
        await connection.execute(
            insert(evidence_table).values(
                account_id=binding.account_id,
                format=binding.format,
                channel=binding.channel,
                regbot_version=binding.version,
                document_enc=self._keys.fields.encrypt(document).decode(),
                seal=sealing.seal(self._keys.evidence, binding, document),
            )
        )

    async def set_password(self, account_id: int, password_hash: str) -> None:
        if not password_hash.startswith("$argon2id$"):
            raise ValueError("password_hash must be an argon2id hash, never a password")
        statement = (
            update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
        )
        async with self._connection() as connection:
            result = await connection.execute(statement)
        if result.rowcount == 0:
            raise LookupError(f"no account {account_id}")

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT), self._connection() as connection:
                await connection.execute(text("SELECT 1"))
        except (AccountsUnavailable, TimeoutError):
            return False
        return True

    def _row_values(self, account: NewAccount, created_at: datetime) -> dict[str, Any]:
        encrypt = self._keys.encrypt

        def optional(value: str | None) -> str | None:
            return encrypt(value) if value is not None else None

        dob = account.date_of_birth.isoformat() if account.date_of_birth else None
        return {
            "kind": str(account.kind),
            "identity_hash": self._identity_hash(account.kind, account.id_number),
            "id_type": str(account.id_type),
            "id_number_enc": encrypt(account.id_number),
            "full_name_enc": encrypt(account.full_name),
            "date_of_birth_enc": optional(dob),
            "phone_enc": optional(account.phone),
            "phone_hash": self._keys.identity_hash("phone", account.phone)
            if account.phone
            else None,
            "email_enc": optional(account.email),
            "password_hash": account.password_hash,
            "verification_level": account.verification_level,
            "method": account.method,
            "agency": account.agency,
            "created_at": created_at,
        }

    def _account(self, row: Row[Any]) -> Account:
        decrypt = self._keys.decrypt

        def optional(token: str | None) -> str | None:
            return decrypt(token) if token is not None else None

        dob = optional(row.date_of_birth_enc)
        return Account(
            id=int(row.id),
            kind=AccountKind(row.kind),
            id_type=IdType(row.id_type),
            id_number=decrypt(row.id_number_enc),
            full_name=decrypt(row.full_name_enc),
            verification_level=int(row.verification_level),
            method=row.method,
            created_at=row.created_at,
            date_of_birth=date.fromisoformat(dob) if dob else None,
            phone=optional(row.phone_enc),
            email=optional(row.email_enc),
            password_hash=row.password_hash,
            agency=row.agency,
        )
