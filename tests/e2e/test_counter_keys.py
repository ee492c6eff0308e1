"""Rate-limit counters in Redis cannot be joined with the accounts database: their names
are keyed hashes of their own, not the `identity_hash` / `phone_hash` of the accounts."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from bot.config import Settings
from bot.state import redis_client
from tests.e2e.conftest import make_harness
from tests.e2e.test_forgot_password import AN_ID, AN_TYPED_PHONE, ask_for_code, open_account


async def test_no_counter_in_redis_is_named_after_an_accounts_hash(
    tmp_path: Path, redis_url: str
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        password_hashing="fast",
        secret_key=f"test-secret-{uuid.uuid4().hex}",
        redis_url=redis_url,
    )
    client = redis_client(redis_url)
    before = {key async for key in client.scan_iter("regbot:*")}
    try:
        async with make_harness(settings) as bot:
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
    finally:
        created = {key async for key in client.scan_iter("regbot:*")} - before
        if created:
            await client.delete(*created)
        await client.aclose()
