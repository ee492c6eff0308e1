"""Rate-limit counters in Redis cannot be joined with the accounts database: their names
are keyed hashes of their own, not the `identity_hash` / `phone_hash` of the accounts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.conftest import make_harness, redis_left_clean, redis_settings
from tests.e2e.stories import AN_ID, AN_TYPED_PHONE, ask_for_code, open_account


async def test_no_counter_in_redis_is_named_after_an_accounts_hash(
    tmp_path: Path, redis_url: str
) -> None:
    async with redis_left_clean(redis_url) as client:
        before = {key async for key in client.scan_iter("regbot:count:*")}
        async with make_harness(redis_settings(tmp_path, redis_url)) as bot:
            await open_account(bot)
            await ask_for_code(bot, "owner", AN_ID, AN_TYPED_PHONE)  # counts, sends a code
            await bot.settle()
        with sqlite3.connect(tmp_path / "regbot.sqlite3") as db:
            [(identity, phone)] = db.execute("SELECT identity_hash, phone_hash FROM accounts")
        counters = [
            key.decode() async for key in client.scan_iter("regbot:count:*") if key not in before
        ]
    assert len(counters) >= 3  # caller, account, phone, codes to the phone
    assert not any(identity in key or phone in key for key in counters), counters
