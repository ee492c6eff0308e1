"""Stories of an auditor running `regbot accounts verify` against the production backend,
real PostgreSQL (DATABASE_URL), after an insider with write access edited the rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.accounts import AccountKind, IdType, NewAccount
from bot.accounts.model import RegistrationMethod
from bot.accounts.repository import make_engine
from bot.accounts.schema import migrate
from bot.cli import main
from tests.support.databases import KEYS, Registering

SECRET = "a test secret that is long enough"  # the one tests.support.databases.KEYS is made of


def citizen(id_number: str, full_name: str, born: date, phone: str) -> NewAccount:
    return NewAccount(
        kind=AccountKind.CITIZEN,
        id_type=IdType.CCCD,
        id_number=id_number,
        full_name=full_name,
        verification_level=2,
        method=RegistrationMethod.MOBILE,
        date_of_birth=born,
        phone=phone,
    )


@dataclass
class Deployment:
    url: str
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    async def insider(self, statement: str) -> None:
        engine = make_engine(self.url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    async def verify(self, *argv: str) -> tuple[int, str]:
        self.monkeypatch.setenv("DATABASE_URL", self.url)
        self.monkeypatch.setenv("REGBOT_SECRET_KEY", SECRET)
        self.capsys.readouterr()
        status = await asyncio.to_thread(main, ["accounts", "verify", *argv])
        return status, self.capsys.readouterr().out


@pytest.fixture
async def deployment(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[Deployment]:
    engine = make_engine(fresh_database)
    await migrate(engine)
    await engine.dispose()
    yield Deployment(fresh_database, monkeypatch, capsys)


async def register(deployment: Deployment, *people: NewAccount) -> list[int]:
    engine = make_engine(deployment.url)
    try:
        accounts = Registering(engine, KEYS)
        return [(await accounts.create(person)).id for person in people]
    finally:
        await engine.dispose()


async def test_an_auditor_on_postgresql_is_told_what_an_insider_changed_in_each_account(
    deployment: Deployment,
):
    an, huy, lan, minh = await register(
        deployment,
        citizen("001090012345", "Nguyễn Văn An", date(1990, 5, 17), "+84912345678"),
        citizen("031092005566", "Đỗ Quang Huy", date(1992, 8, 30), "+84983111222"),
        citizen("001185004321", "Trần Thị Lan", date(1985, 3, 2), "+84904555666"),
        citizen("079201009876", "Lê Văn Minh", date(2001, 11, 9), "+84935777888"),
    )
    assert await deployment.verify("--all") == (0, "4 accounts: 4 verified, 0 failed\n")

    copy = "UPDATE accounts SET {0} = (SELECT {0} FROM accounts WHERE id = {1}) WHERE id = {2}"
    await deployment.insider(copy.format("id_number_enc", huy, an))
    await deployment.insider(copy.format("full_name_enc", an, huy))
    await deployment.insider(f"UPDATE accounts SET kind = 'admin' WHERE id = {lan}")
    await deployment.insider(f"UPDATE accounts SET verification_level = 3 WHERE id = {minh}")

    status, out = await deployment.verify("--all")
    assert status == 1, out
    lines = out.splitlines()
    assert f"account {an}: FAIL seal: does not match: the record was changed" in out
    assert (
        f"account {an}: FAIL identity: the CCCD number stored does not give the identity hash "
        "the account is looked up by (the number's ciphertext, the kind or the hash was "
        "changed)" in lines
    )
    assert any(line.startswith(f"account {huy}: FAIL seal: does not match") for line in lines)
    assert f"account {lan}: FAIL row: kind 'admin' is not a kind of account regbot makes" in lines
    assert f"account {minh}: FAIL sufficiency: method mobile gives level 2, not 3" in lines
    assert lines[-1] == "4 accounts: 0 verified, 4 failed"


async def test_on_postgresql_an_account_cannot_be_deleted_from_under_its_evidence(
    deployment: Deployment,
):
    """The foreign key holds on PostgreSQL: the insider's delete is refused, and the
    audit still finds the account whole."""
    [an] = await register(
        deployment, citizen("001090012345", "Nguyễn Văn An", date(1990, 5, 17), "+84912345678")
    )
    with pytest.raises(IntegrityError, match="foreign key"):
        await deployment.insider(f"DELETE FROM accounts WHERE id = {an}")
    assert await deployment.verify("--all") == (0, "1 account: 1 verified, 0 failed\n")
