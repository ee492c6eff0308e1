"""An operator rolling a release back and forward runs `alembic` from the checkout, with
the settings `regbot serve` reads (DATABASE_URL, or REGBOT_DATA_DIR's SQLite file): the
schema goes down and up again and the accounts already written still read and verify."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.accounts import AccountKind, IdType, NewAccount
from bot.accounts.model import RegistrationMethod
from bot.accounts.records import AccountRecords
from bot.accounts.repository import make_engine
from bot.accounts.schema import migrate
from tests.support.databases import KEYS, Registering

ROOT = Path(__file__).resolve().parents[2]
AN = NewAccount(
    kind=AccountKind.CITIZEN,
    id_type=IdType.CCCD,
    id_number="001090012345",
    full_name="Nguyễn Văn An",
    verification_level=2,
    method=RegistrationMethod.MOBILE,
    date_of_birth=date(1990, 5, 17),
    phone="+84912345678",
)


async def alembic(env: dict[str, str], *argv: str) -> str:
    """`alembic ARGV` as the operator types it, in the checkout; its output."""
    alembic_bin = Path(sys.executable).with_name("alembic")
    process = await asyncio.create_subprocess_exec(
        str(alembic_bin),
        *argv,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    return out.decode()


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """(the accounts URL, the environment the operator's shell has)."""
    if request.param == "sqlite":
        env = {"REGBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
        return f"sqlite+aiosqlite:///{tmp_path / 'regbot.sqlite3'}", env
    url = str(request.getfixturevalue("fresh_database"))
    plain = url.replace("postgresql+asyncpg:", "postgresql:")  # as an operator writes it
    return url, {"DATABASE_URL": plain}


async def test_an_operator_downgrades_and_upgrades_with_alembic_and_the_accounts_still_read(
    deployment: tuple[str, dict[str, str]],
):
    url, env = deployment
    engine = make_engine(url)
    try:
        await migrate(engine)  # as `regbot serve` did at start-up
        an = await Registering(engine, KEYS).create(AN)
        await engine.dispose()
        assert "0004_agent_sessions (head)" in await alembic(env, "current")

        await alembic(env, "downgrade", "0003_support")  # the previous release's schema
        assert "0003_support" in await alembic(env, "current")
        await alembic(env, "upgrade", "head")
        assert "0004_agent_sessions (head)" in await alembic(env, "current")

        record = await AccountRecords(engine, KEYS).record(an.id)
        assert record is not None and record.account.full_name == "Nguyễn Văn An"
        assert record.evidence is not None
    finally:
        await engine.dispose()
