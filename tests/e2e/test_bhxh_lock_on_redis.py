"""The BHXH lock on the real Redis: set through one worker, it holds on another, and the
counters are keyed by a hash of their own - never the BHXH code, never the hash the
accounts table uses."""

from __future__ import annotations

from pathlib import Path

from bot.dialogs.bhxh import PER_CODE
from bot.web.app import RUNTIME
from tests.e2e.conftest import make_harness, redis_left_clean, redis_settings
from tests.e2e.stories import HUY, HUY_PHONE, confirm_bhxh, text_of, type_bhxh_code


async def test_a_code_locked_through_one_worker_is_locked_on_another(
    tmp_path: Path, redis_url: str
) -> None:
    settings = redis_settings(tmp_path, redis_url)
    async with (
        redis_left_clean(redis_url) as client,
        make_harness(settings) as one,
        make_harness(settings) as two,
    ):
        keys = one.app[RUNTIME].keys
        ours = f"regbot:count:{PER_CODE.name}:{keys.counter_hash('bhxh', HUY['code'])}"
        for n in range(PER_CODE.allowed):
            guess = {**HUY, "dob": f"{n + 1}/01/1990"}
            text_of(await confirm_bhxh(one, f"guess-{n}", guess))

        counters = {k.decode() async for k in client.scan_iter("regbot:count:bhxh.*")}
        assert ours in counters and not any(HUY["code"] in k for k in counters)
        assert not any(keys.identity_hash("bhxh", HUY["code"]) in k for k in counters)

        owner = text_of(await type_bhxh_code(two, "owner", HUY["code"]))  # checked as typed
        assert "quá nhiều lần đối chiếu" in owner
        assert await two.sms_to(HUY_PHONE) == []
