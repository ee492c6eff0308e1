"""argon2id's cost is a setting, and production refuses one below OWASP's minimums."""

from __future__ import annotations

import os
import threading

import pytest

from bot.config import ConfigError, Settings
from bot.passwords import (
    DEFAULT_COST,
    FAST_COST,
    HASHING_NICE,
    Argon2Cost,
    PasswordHasher,
    PasswordPool,
)

PRODUCTION = {
    "REGBOT_ENV": "production",
    "REGBOT_SECRET_KEY": "a-production-secret-0123456789",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/regbot",
    "SMS_URL": "http://sms",
    "CARRIER_URL": "http://carrier",
    "BHXH_URL": "http://bhxh",
    "MSSP_URL": "http://mssp",
}


def test_the_default_cost_is_one_of_owasps_minimums_and_hashes_with_it() -> None:
    settings = Settings.from_env({})
    assert settings.password_cost == DEFAULT_COST == Argon2Cost(3, 12288, 1)
    assert DEFAULT_COST.meets_owasp()
    assert "$argon2id$v=19$m=12288,t=3,p=1$" in PasswordHasher(settings.password_cost).hash("x")


def test_an_operator_sets_the_cost_from_the_environment() -> None:
    env = {"REGBOT_ARGON2_TIME_COST": "3", "REGBOT_ARGON2_MEMORY_KIB": "65536"}
    assert Settings.from_env(env).password_cost == Argon2Cost(3, 65536, 1)
    assert Settings.from_env({"REGBOT_PASSWORD_HASHING": "fast"}).password_cost == FAST_COST


@pytest.mark.parametrize(
    ("memory", "time", "ok"),
    [
        ("47104", "1", True),
        ("12288", "3", True),
        ("7168", "5", True),
        ("19455", "2", False),
        ("46000", "1", False),
        ("65536", "0", False),
    ],
)
def test_production_refuses_a_cost_below_owasps_minimums(memory: str, time: str, ok: bool) -> None:
    settings = Settings.from_env(
        {**PRODUCTION, "REGBOT_ARGON2_MEMORY_KIB": memory, "REGBOT_ARGON2_TIME_COST": time}
    )
    try:
        settings.check()
    except ConfigError as refused:  # possibly for other settings too: only OWASP's matters
        problems = str(refused)
    else:
        problems = ""
    assert ("below every one of OWASP's minimums" in problems) is not ok, problems


async def test_hashing_threads_run_below_the_event_loops_priority() -> None:
    """Under a burst a turn preempts a hash: the pool's threads are niced."""
    before = {thread.ident for thread in threading.enumerate()}
    pool = PasswordPool(PasswordHasher(FAST_COST), confirmation_key=b"k" * 32)
    try:
        assert (await pool.hash("Sao*Mai#2024")).startswith("$argon2id$")
        mine = [t for t in threading.enumerate() if t.ident not in before]
        assert [os.getpriority(os.PRIO_PROCESS, t.native_id or 0) for t in mine] == [
            os.getpriority(os.PRIO_PROCESS, 0) + HASHING_NICE
        ]
    finally:
        pool.close()
