"""Stories of the password step (guide step 5) under load and misuse: argon2id runs once
per registration, a burst gets "try again in a moment", and mismatches are limited."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from bot.accounts.repository import SqlAccounts, make_engine
from bot.engine.messages import Action
from bot.metrics import METRICS
from bot.passwords import FAST_COST, PasswordHasher
from bot.web.app import PASSWORDS, RUNTIME
from tests.e2e.conftest import BotHarness, harness_settings, make_harness, subscriber
from tests.e2e.stories import (
    AN_ID,
    AN_PHONE,
    AN_TYPED_PHONE,
    AN_USSD,
    PASSWORD,
    Handset,
    ask_for_code,
    fill_mobile_details,
    open_account,
    option,
    register_up_to_summary,
    sms_codes,
)


def metrics_of(bot: BotHarness) -> str:
    """What `regbot serve --metrics-port` serves for this app."""
    return bot.app[METRICS].exposition().decode()


async def hashes_run(bot: BotHarness) -> float:
    """argon2id hashes this process ran, as its /metrics listener tells an operator."""
    found = re.search(r"^regbot_password_hash_wait_seconds_count (\S+)$", metrics_of(bot), re.M)
    assert found, "no hashing metric"
    return float(found.group(1))


async def at_password_step(bot: BotHarness, user: str) -> None:
    await fill_mobile_details(bot, user)
    await bot.pick(user, "Xác nhận")  # -> OTP
    await bot.say(user, await bot.last_code(AN_PHONE))
    assert bot.last[user].step == "mobile.password"


async def test_argon2id_runs_once_for_a_registration_even_after_mistyped_confirmations(
    bot_app: BotHarness,
) -> None:
    await at_password_step(bot_app, "an")
    for typo in ("Hoa-Sen#2025", "Hoa-Sen#2O24"):
        await bot_app.say("an", PASSWORD)
        mismatch = "\n".join(await bot_app.say("an", typo))
        assert "không khớp" in mismatch
    assert await hashes_run(bot_app) == 0  # a mismatch costs a keyed digest, not argon2id
    await bot_app.say("an", PASSWORD)
    done = "\n".join(await bot_app.say("an", PASSWORD))
    assert "Đăng ký thành công" in done
    assert await hashes_run(bot_app) == 1
    account = await bot_app.accounts.find(AccountKind.CITIZEN, AN_USSD["id"])
    assert account is not None and account.password_hash
    assert bot_app.app[PASSWORDS].hasher.verify(account.password_hash, PASSWORD)


async def test_a_password_reset_hashes_once(bot_app: BotHarness) -> None:
    await open_account(bot_app)
    before = await hashes_run(bot_app)
    await ask_for_code(bot_app, "an", AN_ID, AN_TYPED_PHONE)
    await bot_app.say("an", await bot_app.last_code(AN_PHONE))
    await bot_app.say("an", "Sen-Hong#2025")
    await bot_app.say("an", "Sen-Hong#2026")  # a typo
    await bot_app.say("an", "Sen-Hong#2025")
    done = "\n".join(await bot_app.say("an", "Sen-Hong#2025"))
    assert "thành công" in done
    assert await hashes_run(bot_app) == before + 1


class GatedHasher(PasswordHasher):
    """argon2id that waits at a gate: a hash that takes as long as the test says."""

    def __init__(self) -> None:
        super().__init__(FAST_COST)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def hash(self, password: str, salt: bytes | None = None) -> str:
        self.entered.set()
        self.gate.wait(10)
        return super().hash(password, salt)


@pytest.fixture
async def one_slot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """One hashing thread and no queue: the second hash at once finds the pool full."""
    settings = harness_settings(tmp_path, password_threads=1, password_queue=0)
    async with make_harness(settings) as harness:
        yield harness


async def test_a_full_hashing_queue_asks_to_try_again_in_a_moment_and_keeps_the_password(
    one_slot: BotHarness,
) -> None:
    gated = GatedHasher()
    one_slot.app[PASSWORDS].hasher = gated
    owner = subscriber("+84912000111", "001191000111", "Tran Thi Binh", "1991-02-03")
    await one_slot.sim_post("/sim/carrier/subscribers", owner)
    binh = {"name": "Tran Thi Binh", "dob": "03/02/1991", "id": "001191000111"}
    await at_password_step(one_slot, "an")
    await fill_mobile_details(one_slot, "binh", {**binh, "phone": "0912000111"})
    await one_slot.pick("binh", "Xác nhận")
    await one_slot.say("binh", await one_slot.last_code("+84912000111"))
    await one_slot.say("an", PASSWORD)
    await one_slot.say("binh", "Binh@Sen2024")

    an_confirms = asyncio.create_task(one_slot.say("an", PASSWORD))
    await asyncio.to_thread(gated.entered.wait, 10)  # An's hash holds the only thread
    busy = "\n".join(await one_slot.say("binh", "Binh@Sen2024"))
    assert "đang xử lý nhiều đăng ký" in busy and "vẫn được giữ" in busy
    assert one_slot.last["binh"].step == "mobile.password_confirm"  # where she was

    gated.gate.set()
    assert "Đăng ký thành công" in "\n".join(await an_confirms)
    done = "\n".join(await one_slot.say("binh", "Binh@Sen2024"))  # a moment later
    assert "Đăng ký thành công" in done
    assert await one_slot.accounts.exists(AccountKind.CITIZEN, binh["id"])
    metrics = metrics_of(one_slot)
    assert "regbot_password_hash_refused_total 1.0" in metrics
    assert "regbot_password_hash_queue 0.0" in metrics


async def test_a_caller_who_mistypes_the_confirmation_five_times_is_told_and_can_start_again(
    bot_app: BotHarness,
) -> None:
    phone = Handset(bot_app.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    await phone.press(option(summary, "Xac nhan"))
    [code] = await sms_codes(bot_app, AN_USSD["phone"])
    await phone.press(code)
    for left in (4, 3, 2, 1):
        await phone.press("Sao*Mai#2024")
        screen = await phone.press("Sao*Mai#2042")
        assert f"con {left} lan thu" in screen and "Dat mat khau" in screen
    await phone.press("Sao*Mai#2024")
    stopped = await phone.press("Sao*Mai#2042")
    assert "khong khop 5 lan" in stopped and "ma OTP moi" in stopped
    screen = await phone.press(option(stopped, "Dang ky lai"))
    assert "1 Cong dan" in screen  # the first screen, what was typed deleted
    assert not await bot_app.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
    assert await hashes_run(bot_app) == 0
    assert "Tiep tuc" not in await phone.dial()  # nothing left half done


async def test_the_limit_reads_the_same_in_english(bot_app: BotHarness) -> None:
    await at_password_step(bot_app, "en")
    await bot_app.say("en", "en", action=Action.LANGUAGE)
    for _ in range(4):
        await bot_app.say("en", PASSWORD)
        await bot_app.say("en", "Hoa-Sen#2025")
    await bot_app.say("en", PASSWORD)
    stopped = "\n".join(await bot_app.say("en", "Hoa-Sen#2025"))
    assert "did not match 5 times" in stopped and "Start again" in stopped
    assert bot_app.last["en"].step == "mobile.password_stopped"


async def test_a_caller_confirming_at_the_fifth_try_as_the_database_fails_gets_the_account_on_retry(
    bot_app: BotHarness,
) -> None:
    phone = Handset(bot_app.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    await phone.press(option(summary, "Xac nhan"))
    [code] = await sms_codes(bot_app, AN_USSD["phone"])
    await phone.press(code)
    for _ in range(4):  # four slips of the keypad
        await phone.press("Sao*Mai#2024")
        await phone.press("Sao*Mai#2042")
    await phone.press("Sao*Mai#2024")
    accounts = bot_app.app[RUNTIME].accounts
    assert isinstance(accounts, SqlAccounts)
    working = accounts._engine
    accounts._engine = make_engine("sqlite+aiosqlite:////nonexistent/dir/db")  # down
    screen = await phone.press("Sao*Mai#2024")  # the fifth confirmation matches
    assert "Thu lai sau" in screen and "Nhap lai mat khau" in screen
    accounts._engine = working  # back

    done = await phone.press("Sao*Mai#2024")

    assert done.startswith("END Dang ky thanh cong"), done  # not "5 mismatches"
    assert await bot_app.accounts.exists(AccountKind.CITIZEN, AN_USSD["id"])
