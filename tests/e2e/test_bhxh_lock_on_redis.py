"""The BHXH lock on the real Redis: set through one worker, it holds on another, and the
counters are keyed by a hash, never by the BHXH code."""

from __future__ import annotations

import uuid
from pathlib import Path

from bot.config import Settings
from bot.dialogs.bhxh import LOCK, MISMATCHES
from bot.state.redis import redis_client
from bot.web.app import RUNTIME
from tests.e2e.conftest import make_harness
from tests.e2e.test_bhxh_registration import HUY, HUY_PHONE, confirm, text_of, type_code


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
    async with make_harness(settings) as one, make_harness(settings) as two:
        digest = one.app[RUNTIME].keys.identity_hash("bhxh", HUY["code"])
        ours = [f"regbot:count:{limit.name}:{digest}" for limit in (MISMATCHES, LOCK)]
        try:
            guess = {**HUY, "name": "Nguyen Van Khac"}
            for n in range(3):
                screen = text_of(await confirm(one, f"guess-{n}", guess))
            assert "tạm thời bị khóa" in screen

            counters = [k.decode() async for k in client.scan_iter("regbot:count:bhxh.*")]
            assert ours[1] in counters and not any(HUY["code"] in k for k in counters)

            owner = text_of(await type_code(two, "owner", HUY["code"]))
            assert "tạm thời bị khóa" in owner  # said as soon as the code is typed
            assert await two.sms_to(HUY_PHONE) == []
        finally:
            await client.delete(*ours)
            await client.aclose()
