"""One contract for the accounts repository on SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts import (
    Account,
    AccountKind,
    AccountsUnavailable,
    DuplicateAccount,
    IdType,
    NewAccount,
)
from bot.accounts.audit import open_evidence, verify
from bot.accounts.evidence import InsufficientEvidence
from bot.accounts.records import AccountRecords
from bot.accounts.repository import SqlAccounts, make_engine
from bot.accounts.schema import current_revision, head_revision, migrate
from bot.keys import SecretKeys
from tests.support.evidence import evidence_for

KEYS = SecretKeys.from_secret("a test secret that is long enough")
PASSWORD_HASH = PasswordHasher().hash("Matkhau@2024")

AN = NewAccount(
    kind=AccountKind.CITIZEN,
    id_type=IdType.CCCD,
    id_number="001090012345",
    full_name="Nguyễn Văn An",
    verification_level=2,
    method="mobile",
    date_of_birth=date(1990, 5, 17),
    phone="+84912345678",
    email="an.nguyen@example.vn",
    password_hash=PASSWORD_HASH,
)


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

    def engine(self) -> AsyncEngine:
        engine = make_engine(self.url, connect_args=self.connect_args)
        self.engines.append(engine)
        return engine

    def accounts(self) -> Registering:
        """A repository with its own engine: another worker process, as far as it knows."""
        return Registering(self.engine(), KEYS)

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


def _outcomes(results: list[Account | BaseException]) -> list[str]:
    return sorted(type(result).__name__ for result in results)


class TestAccountsContract:
    async def test_a_registered_citizen_is_found_with_every_field_readable(
        self, database: Database
    ):
        accounts = database.accounts()
        assert not await accounts.exists(AccountKind.CITIZEN, AN.id_number)

        created = await accounts.create(AN)
        found = await database.accounts().find(AccountKind.CITIZEN, AN.id_number)

        assert found == created
        assert found is not None
        assert (found.full_name, found.id_number, found.id_type) == (
            "Nguyễn Văn An",
            "001090012345",
            IdType.CCCD,
        )
        assert (found.date_of_birth, found.phone, found.email) == (
            date(1990, 5, 17),
            "+84912345678",
            "an.nguyen@example.vn",
        )
        assert (found.verification_level, found.method) == (2, "mobile")
        assert PasswordHasher().verify(found.password_hash or "", "Matkhau@2024")
        assert found.created_at.tzinfo is not None
        assert found.created_at.utcoffset() == UTC.utcoffset(None)
        assert await accounts.exists(AccountKind.CITIZEN, AN.id_number)
        assert await accounts.find(AccountKind.CITIZEN, "001090099999") is None

    async def test_the_database_holds_no_identity_name_phone_or_email_in_clear(
        self, database: Database
    ):
        await database.accounts().create(AN)

        rows = await database.raw_rows()

        assert len(rows) == 1
        stored = " ".join(str(value) for value in rows[0].values())
        for clear in (
            "001090012345",
            "Nguyễn Văn An",
            "Nguyen",
            "912345678",
            "an.nguyen",
            "1990-05-17",
            "Matkhau@2024",
        ):
            assert clear not in stored
        assert rows[0]["password_hash"].startswith("$argon2id$")

    async def test_a_second_citizen_account_for_the_same_cccd_is_refused(self, database: Database):
        await database.accounts().create(AN)
        same_person_again = replace(AN, phone="+84987654321", email=None, method="bhxh")

        with pytest.raises(DuplicateAccount):
            await database.accounts().create(same_person_again)

        spaced = replace(AN, id_number="001 090 012 345")
        with pytest.raises(DuplicateAccount):
            await database.accounts().create(spaced)
        assert len(await database.raw_rows()) == 1

    async def test_the_same_number_may_hold_a_citizen_and_a_business_account(
        self, database: Database
    ):
        business = replace(
            AN, kind=AccountKind.BUSINESS, id_type=IdType.MST, method="usb", verification_level=3
        )

        citizen_account = await database.accounts().create(AN)
        business_account = await database.accounts().create(business)

        assert citizen_account.id != business_account.id
        found = await database.accounts().find(AccountKind.BUSINESS, AN.id_number)
        assert found is not None and found.id == business_account.id
        assert not await database.accounts().exists(AccountKind.OFFICIAL, AN.id_number)

    async def test_two_simultaneous_registrations_with_one_cccd_make_one_account(
        self, database: Database
    ):
        first_worker, second_worker = database.accounts(), database.accounts()

        results = await asyncio.gather(
            first_worker.create(AN),
            second_worker.create(replace(AN, phone="+84987654321")),
            return_exceptions=True,
        )

        assert _outcomes(results) == ["Account", "DuplicateAccount"]
        assert len(await database.raw_rows()) == 1

    async def test_many_simultaneous_registrations_with_one_cccd_make_one_account(
        self, database: Database
    ):
        workers = [database.accounts() for _ in range(4)]

        results = await asyncio.gather(
            *(worker.create(AN) for worker in workers for _ in range(2)),
            return_exceptions=True,
        )

        assert _outcomes(results) == ["Account"] + ["DuplicateAccount"] * 7
        assert len(await database.raw_rows()) == 1

    async def test_a_new_password_replaces_the_old_hash(self, database: Database):
        accounts = database.accounts()
        account = await accounts.create(replace(AN, password_hash=None))

        await accounts.set_password(account.id, PasswordHasher().hash("Moi@2025pass"))

        found = await accounts.find(AccountKind.CITIZEN, AN.id_number)
        assert found is not None
        assert PasswordHasher().verify(found.password_hash or "", "Moi@2025pass")

    async def test_a_password_in_clear_is_never_stored(self, database: Database):
        accounts = database.accounts()

        with pytest.raises(ValueError):
            await accounts.create(replace(AN, password_hash="Matkhau@2024"))
        account = await accounts.create(AN)
        with pytest.raises(ValueError):
            await accounts.set_password(account.id, "Matkhau@2024")

        assert "Matkhau@2024" not in str(await database.raw_rows())

    async def test_an_unreachable_database_is_reported_not_crashed_on(self, database: Database):
        engine = make_engine(database.unreachable_url)
        database.engines.append(engine)
        accounts = Registering(engine, KEYS)

        async with asyncio.timeout(15):
            assert await accounts.ping() is False
            operations: list[Callable[[], Any]] = [
                lambda: accounts.create(AN),
                lambda: accounts.exists(AccountKind.CITIZEN, AN.id_number),
                lambda: accounts.find(AccountKind.CITIZEN, AN.id_number),
                lambda: accounts.set_password(1, PASSWORD_HASH),
            ]
            for operation in operations:
                with pytest.raises(AccountsUnavailable):
                    await operation()

    async def test_an_account_is_written_with_its_sealed_evidence_which_reads_back_whole(
        self, database: Database
    ):
        insured = replace(AN, method="bhxh")
        created = await database.accounts().create(insured)

        record = await AccountRecords(database.engine(), KEYS).record(created.id)
        assert record is not None and record.account == created
        checks = await verify(record, KEYS.evidence)
        assert all(check.ok for check in checks), checks
        _, evidence = open_evidence(record, KEYS.evidence)
        assert evidence == evidence_for(insured, KEYS)  # with its times to the microsecond

        [row] = await database.raw_rows("account_evidence")
        stored = " ".join(str(value) for value in row.values())
        for clear in ("0123456789", "912345678", "001090012345", "Viettel", "BHXH"):
            assert clear not in stored  # the document is encrypted whole

    async def test_an_account_whose_evidence_falls_short_is_not_written(self, database: Database):
        accounts = database.accounts()
        without_code = replace(evidence_for(AN, KEYS), otp=None)
        with pytest.raises(InsufficientEvidence, match="no SMS code was verified"):
            await accounts.create(AN, without_code)
        to_another_phone = evidence_for(replace(AN, phone="+84987654321"), KEYS)
        with pytest.raises(InsufficientEvidence, match="did not go to the account's phone"):
            await accounts.create(AN, to_another_phone)
        mobile = evidence_for(AN, KEYS)
        with pytest.raises(InsufficientEvidence, match="gives level 2, not 3"):
            await accounts.create(replace(AN, verification_level=3), mobile)
        with pytest.raises(InsufficientEvidence, match="no signature"):
            await accounts.create(replace(AN, method="sim", verification_level=3), mobile)

        assert await database.raw_rows() == []
        assert await database.raw_rows("account_evidence") == []

    async def test_a_refused_duplicate_leaves_no_evidence_behind(self, database: Database):
        await database.accounts().create(AN)
        with pytest.raises(DuplicateAccount):
            await database.accounts().create(replace(AN, method="bhxh"))
        assert len(await database.raw_rows("account_evidence")) == 1

    async def test_certificates_and_crls_many_accounts_share_are_stored_once(
        self, database: Database
    ):
        first = replace(AN, kind=AccountKind.BUSINESS, method="usb", verification_level=3)
        second = replace(first, id_number="0100109106")
        for account in (first, second):
            await database.accounts().create(account)
        assert len(await database.raw_rows("account_evidence")) == 2
        assert len(await database.raw_rows("evidence_blobs")) == 2  # intermediate, anchor

    async def test_a_reachable_database_answers_the_health_check(self, database: Database):
        assert await database.accounts().ping() is True

    async def test_the_migration_enforces_one_identity_per_kind_and_can_run_again(
        self, database: Database
    ):
        engine = database.engine()
        await migrate(engine)  # every worker runs it at start-up: a second run is a no-op

        def schema(connection: Any) -> tuple[list[dict[str, Any]], str | None]:
            return inspect(connection).get_indexes("accounts"), current_revision(connection)

        async with engine.connect() as connection:
            indexes, revision = await connection.run_sync(schema)

        unique = [index for index in indexes if index["unique"]]
        assert [index["column_names"] for index in unique] == [["kind", "identity_hash"]]
        assert revision == head_revision()


async def test_migrate_accepts_a_plain_sqlite_url_and_creates_the_table(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"

    await migrate(url)

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert "accounts" in tables
