"""Limits hold when the requests come all at once: forty BHXH or carrier guesses, twelve
carrier checks naming one ID number, and thirty password-reset requests in parallel
sessions, on the memory store and on the real Redis.
A check made before a separate spend let every one of them through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    BotHarness,
    harness_settings,
    make_harness,
    redis_left_clean,
    redis_settings,
)
from tests.e2e.stories import (
    AN,
    AN_ID,
    AN_PHONE,
    AN_TYPED_PHONE,
    HUY,
    HUY_PHONE,
    fill_bhxh_details,
    fill_mobile_details,
    open_account,
    option,
)

RIGHT_GUESS = 34  # the 35th session has the right birth date
CHECKS_PER_CODE = 10  # BHXH lookups of one code an hour, whoever asks
CHECKS_PER_PHONE = 10  # carrier checks of one number an hour, whoever asks
CHECKS_PER_ID = 10  # carrier checks naming one ID number an hour, whoever asks
CODES_PER_ACCOUNT = 3  # reset codes an hour for one ID number and phone


@pytest.fixture(params=["memory", "redis"])
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BotHarness]:
    if request.param == "memory":
        async with make_harness(harness_settings(tmp_path)) as harness:
            yield harness
        return
    redis_url = request.getfixturevalue("redis_url")
    settings = redis_settings(tmp_path, redis_url)
    async with redis_left_clean(redis_url), make_harness(settings) as harness:
        yield harness


def birth_date(n: int) -> str:
    return HUY["dob"] if n == RIGHT_GUESS else f"{n % 28 + 1:02d}/0{n // 28 + 1}/1992"


async def test_forty_parallel_bhxh_guesses_get_at_most_ten_lookups(bot: BotHarness) -> None:
    users = [f"guess-{n}" for n in range(40)]
    await asyncio.gather(
        *(fill_bhxh_details(bot, u, {**HUY, "dob": birth_date(n)}) for n, u in enumerate(users))
    )
    replies = await asyncio.gather(*(bot.pick(u, "Xác nhận") for u in users))  # all confirm at once
    texts = ["\n".join(reply) for reply in replies]
    looked_up = [t for t in texts if "quá nhiều lần đối chiếu" not in t]  # not refused
    assert 1 <= len(looked_up) <= CHECKS_PER_CODE
    assert len(await bot.sms_to(HUY_PHONE)) <= 1


async def test_forty_parallel_carrier_guesses_get_at_most_ten_checks(bot: BotHarness) -> None:
    users = [f"guess-{n}" for n in range(40)]
    dates = [
        AN["dob"] if n == RIGHT_GUESS else f"{n % 28 + 1:02d}/0{n // 28 + 1}/1990"
        for n in range(40)
    ]
    await asyncio.gather(
        *(fill_mobile_details(bot, u, {**AN, "dob": dates[n]}) for n, u in enumerate(users))
    )
    replies = await asyncio.gather(*(bot.pick(u, "Xác nhận") for u in users))
    texts = ["\n".join(reply) for reply in replies]
    checked = [t for t in texts if "quá nhiều lần kiểm tra" not in t]  # not refused
    assert 1 <= len(checked) <= CHECKS_PER_PHONE
    assert len(await bot.sms_to(AN_PHONE)) <= 1


async def test_thirty_parallel_reset_requests_send_at_most_three_codes(bot: BotHarness) -> None:
    await open_account(bot)
    users = [f"reset-{n}" for n in range(30)]

    async def up_to_phone(user: str) -> None:
        first = await bot.say(user)
        await bot.say(user, option(first, "Quên mật khẩu"))
        await bot.pick(user, "Công dân")
        await bot.say(user, AN_ID)

    await asyncio.gather(*(up_to_phone(u) for u in users))
    await asyncio.gather(*(bot.say(u, AN_TYPED_PHONE) for u in users))  # all at once
    assert 1 <= len(await bot.sms_to(AN_PHONE)) <= CODES_PER_ACCOUNT


async def test_twelve_parallel_sessions_naming_one_id_number_get_at_most_ten_checks(
    bot: BotHarness,
) -> None:
    """Each from another phone (so no phone's limit binds) and another caller: only the
    ID number's own limit stands between them and the carrier."""
    users = [f"id-guess-{n}" for n in range(12)]
    phones = [f"0912 000 0{n:02d}" for n in range(12)]
    await asyncio.gather(
        *(fill_mobile_details(bot, u, {**AN, "phone": phones[n]}) for n, u in enumerate(users))
    )
    replies = await asyncio.gather(*(bot.pick(u, "Xác nhận") for u in users))
    texts = ["\n".join(reply) for reply in replies]
    checked = [t for t in texts if "quá nhiều lần kiểm tra" not in t]  # not refused
    assert len(checked) == CHECKS_PER_ID
