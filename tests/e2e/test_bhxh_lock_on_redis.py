"""The BHXH lock on the real Redis: set through one worker, it holds on another, and the
counters are keyed by a hash of their own - never the BHXH code, never the hash the
accounts table uses."""

from __future__ import annotations

import uuid
from pathlib import Path

from bot.app import SERVICES
from bot.config import Settings
from bot.dialogs.bhxh import PER_CODE
from bot.state import redis_client
from tests.e2e.conftest import make_harness
from tests.e2e.test_bhxh_registration import HUY, HUY_PHONE, confirm, text_of


async def test_a_code_locked_through_one_worker_is_locked_on_another(
    tmp_path: Path, redis_url: str
) -> None:
    # A secret of its own: the hashed counter keys cannot meet another run's.
    settings = Settings(
        data_dir=tmp_path,
        password_hashing="fast",
        secret_key=f"test-secret-{uuid.uuid4().hex}",
        redis_url=redis_url,
    )
    client = redis_client(redis_url)
    before = {key async for key in client.scan_iter("regbot:count:*")}
    async with make_harness(settings) as one, make_harness(settings) as two:
        keys = one.app[SERVICES].keys
        ours = f"regbot:count:{PER_CODE.name}:{keys.counter_hash('bhxh', HUY['code'])}"
        try:
            for n in range(PER_CODE.allowed):
                guess = {**HUY, "dob": f"{n + 1}/01/1990"}
                text_of(await confirm(one, f"guess-{n}", guess))

            counters = {k.decode() async for k in client.scan_iter("regbot:count:bhxh.*")}
            assert ours in counters and not any(HUY["code"] in k for k in counters)
            assert not any(keys.identity_hash("bhxh", HUY["code"]) in k for k in counters)

            owner = text_of(await confirm(two, "owner", HUY))
            assert "quá nhiều lần đối chiếu" in owner
            assert await two.sms_to(HUY_PHONE) == []
        finally:
            created = {key async for key in client.scan_iter("regbot:count:*")} - before
            if created:
                await client.delete(*created)
            await client.aclose()
