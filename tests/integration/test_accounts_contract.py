"""One contract for the accounts repository on SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool

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
from bot.accounts.model import RegistrationMethod
from bot.accounts.records import AccountRecords
from bot.accounts.repository import make_engine
from bot.accounts.schema import alembic_config, current_revision, head_revision, migrate
from bot.accounts.tables import Base
from bot.passwords import PasswordHasher as Argon2Hasher
from bot.passwords import UnpooledHashing
from bot.support.agents import SqlAgents
from tests.support.databases import KEYS, Database, Registering
from tests.support.evidence import evidence_for

PASSWORD_HASH = PasswordHasher().hash("Matkhau@2024")

AN = NewAccount(
    kind=AccountKind.CITIZEN,
    id_type=IdType.CCCD,
    id_number="001090012345",
    full_name="Nguyễn Văn An",
    verification_level=2,
    method=RegistrationMethod.MOBILE,
    date_of_birth=date(1990, 5, 17),
    phone="+84912345678",
    email="an.nguyen@example.vn",
    password_hash=PASSWORD_HASH,
)


def _outcomes(results: Sequence[Account | BaseException]) -> list[str]:
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
        same_person_again = replace(
            AN, phone="+84987654321", email=None, method=RegistrationMethod.BHXH
        )

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
            AN,
            kind=AccountKind.BUSINESS,
            id_type=IdType.MST,
            method=RegistrationMethod.USB,
            verification_level=3,
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
        insured = replace(AN, method=RegistrationMethod.BHXH)
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
            await accounts.create(
                replace(AN, method=RegistrationMethod.SIM, verification_level=3), mobile
            )

        assert await database.raw_rows() == []
        assert await database.raw_rows("account_evidence") == []

    async def test_a_refused_duplicate_leaves_no_evidence_behind(self, database: Database):
        await database.accounts().create(AN)
        with pytest.raises(DuplicateAccount):
            await database.accounts().create(replace(AN, method=RegistrationMethod.BHXH))
        assert len(await database.raw_rows("account_evidence")) == 1

    async def test_a_database_lost_between_account_and_evidence_leaves_neither(
        self, database: Database
    ):
        """The connection dies after the account's row is sent and before its evidence:
        no account without evidence; the person is asked to try again, and can."""

        class LostMidway(Registering):
            async def _write_evidence(self, connection: Any, *args: Any) -> None:
                if connection.dialect.name == "postgresql":  # the server ends the session
                    pid = await connection.scalar(text("SELECT pg_backend_pid()"))
                    async with database.engine().begin() as admin:
                        await admin.execute(text(f"SELECT pg_terminate_backend({int(pid)})"))
                    await super()._write_evidence(connection, *args)
                raise ConnectionResetError("the database went away")

        with pytest.raises(AccountsUnavailable):
            await LostMidway(database.engine(), KEYS).create(AN)
        assert await database.raw_rows() == []
        assert await database.raw_rows("account_evidence") == []
        assert (await database.accounts().create(AN)).full_name == AN.full_name

    async def test_certificates_and_crls_many_accounts_share_are_stored_once(
        self, database: Database
    ):
        first = replace(
            AN, kind=AccountKind.BUSINESS, method=RegistrationMethod.USB, verification_level=3
        )
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

    async def test_the_migrations_build_exactly_the_tables_the_code_maps(self, database: Database):
        def differences(connection: Any) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async with database.engine().connect() as connection:
            assert await connection.run_sync(differences) == []

    async def test_agents_of_an_older_regbot_keep_signing_in_after_the_upgrade(
        self, database: Database
    ):
        """0004 adds the agents' session epoch: an agent added before it starts at 0."""
        engine = database.engine()
        await _alembic(engine, command.downgrade, "0003_support")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO agents (name, role, password_hash, disabled, failures, "
                    "created_at) VALUES ('lan', 'agent', 'x', false, 0, CURRENT_TIMESTAMP)"
                )
            )
        await migrate(engine)
        agent = (await SqlAgents(engine, UnpooledHashing(Argon2Hasher("fast"))).all())[0]
        assert (agent.name, agent.session_epoch) == ("lan", 0)


async def _alembic(engine: AsyncEngine, step: Callable[[Config, str], None], to: str) -> None:
    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, to)

    async with engine.begin() as connection:
        await connection.run_sync(run)


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


async def test_a_burst_of_duplicate_checks_on_postgresql_keeps_its_connections_open(
    postgres_database: Database,
):
    """A connection opened for a burst and closed after it costs the next burst a new
    server process and asyncpg's set-up: at saturation that was over 200 connections in 12 s.
    A burst past the pool's 20 waits for one of them instead of opening more."""
    accounts = postgres_database.accounts()
    [engine] = postgres_database.engines[-1:]
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))
    async with asyncio.timeout(15):
        answers = await asyncio.gather(
            *(accounts.exists(AccountKind.CITIZEN, f"0010900{n:05d}") for n in range(30))
        )
    assert answers == [False] * 30
    pool = engine.pool
    assert isinstance(pool, AsyncAdaptedQueuePool)
    assert len(opened) == 20  # none past the bound: the last 10 waited for one
    assert pool.checkedin() == 20  # all kept for the next burst
