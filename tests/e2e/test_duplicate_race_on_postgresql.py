"""Two people finishing a registration with the same CCCD at the same moment, each on a
worker of its own (its own engine and pool) sharing the production database, real
PostgreSQL: one account, with its evidence; the other person is told why, not crashed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.accounts.repository import make_engine
from tests.e2e.conftest import harness_settings, make_harness
from tests.e2e.stories import AN_PHONE, PASSWORD, fill_mobile_details, option


async def test_two_workers_finishing_one_cccd_at_once_make_one_account_and_say_why(
    tmp_path: Path, fresh_database: str
):
    settings = harness_settings(tmp_path, database_url=fresh_database)
    async with make_harness(settings) as first, make_harness(settings) as second:
        for worker, user in ((first, "an"), (second, "impostor")):
            summary = await fill_mobile_details(worker, user)
            await worker.say(user, option(summary, "Xác nhận", "Confirm"))
            await worker.say(user, await worker.last_code(AN_PHONE))
            await worker.say(user, PASSWORD)
        replies = await asyncio.gather(first.say("an", PASSWORD), second.say("impostor", PASSWORD))

    screens = ["\n".join(reply) for reply in replies]
    assert sum("Đăng ký thành công" in screen for screen in screens) == 1, screens
    [refused] = [screen for screen in screens if "Đăng ký thành công" not in screen]
    assert "đã được dùng để đăng ký" in refused and "Quên mật khẩu" in refused, refused
    engine = make_engine(fresh_database)
    try:
        async with engine.connect() as connection:
            counts = await connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM accounts), "
                    "(SELECT count(*) FROM account_evidence)"
                )
            )
            assert tuple(counts.one()) == (1, 1)
    finally:
        await engine.dispose()
