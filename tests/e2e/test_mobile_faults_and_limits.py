"""Stories of what goes wrong: OTP limits, a failing carrier or SMS gateway, unreadable
state, a state store that is down. Nothing typed is lost; the person is told what to do."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.messages import Action
from bot.web.app import RUNTIME
from tests.e2e.stories import AN_PHONE, fill_mobile_details


class Clock:
    """The engine's clock, moved by the test (`now` in epoch seconds)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:  # June 2026
        self.now = start

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


async def at_otp_step(bot, user: str) -> Clock:
    clock = Clock()
    bot.app[RUNTIME].engine.clock = clock
    await fill_mobile_details(bot, user)
    await bot.pick(user, "Xác nhận")
    assert bot.last[user].step == "mobile.otp"
    return clock


async def test_five_wrong_codes_kill_the_code_and_a_resend_brings_a_new_one(bot_app):
    clock = await at_otp_step(bot_app, "otp")
    good = await bot_app.last_code(AN_PHONE)
    wrong = "000000" if good != "000000" else "111111"
    for tries_left in (4, 3, 2, 1):
        text = "\n".join(await bot_app.say("otp", wrong))
        assert f"còn {tries_left} lần" in text
    text = "\n".join(await bot_app.say("otp", wrong))
    assert "sai mã OTP 5 lần" in text
    text = "\n".join(await bot_app.say("otp", good))  # even the right code is dead now
    assert "sai mã OTP 5 lần" in text and bot_app.last["otp"].step == "mobile.otp"
    clock.now += 61
    await bot_app.pick("otp", "Gửi lại OTP")
    assert len(await bot_app.sms_to(AN_PHONE)) == 2
    await bot_app.say("otp", await bot_app.last_code(AN_PHONE))
    assert bot_app.last["otp"].step == "mobile.password"


async def test_a_code_expires_after_five_minutes(bot_app):
    clock = await at_otp_step(bot_app, "late")
    clock.now += 5 * 60 + 1
    text = "\n".join(await bot_app.say("late", await bot_app.last_code(AN_PHONE)))
    assert "hết hạn" in text and bot_app.last["late"].step == "mobile.otp"


async def test_resend_waits_sixty_seconds_and_stops_after_three(bot_app):
    clock = await at_otp_step(bot_app, "resend")
    text = "\n".join(await bot_app.pick("resend", "Gửi lại OTP"))
    assert "đợi" in text and len(await bot_app.sms_to(AN_PHONE)) == 1
    for sent in (2, 3, 4):
        clock.now += 60
        await bot_app.pick("resend", "Gửi lại OTP")
        assert len(await bot_app.sms_to(AN_PHONE)) == sent
    clock.now += 60
    text = "\n".join(await bot_app.pick("resend", "Gửi lại OTP"))
    assert "3 lần, là số lần tối đa" in text and len(await bot_app.sms_to(AN_PHONE)) == 4
    assert "quá 3 lần" not in text  # after exactly three, not "more than three"


async def test_going_back_and_confirming_again_returns_to_the_code_already_sent(bot_app):
    await at_otp_step(bot_app, "loop")
    code = await bot_app.last_code(AN_PHONE)
    await bot_app.say("loop", action=Action.BACK)  # to the summary
    text = "\n".join(await bot_app.pick("loop", "Xác nhận"))  # confirm again at once
    assert "vẫn còn hiệu lực" in text and bot_app.last["loop"].step == "mobile.otp"
    assert len(await bot_app.sms_to(AN_PHONE)) == 1  # no second SMS
    await bot_app.say("loop", code)
    assert bot_app.last["loop"].step == "mobile.password"


async def test_starting_over_again_and_again_cannot_flood_a_phone_with_codes(bot_app):
    clock = Clock()
    bot_app.app[RUNTIME].engine.clock = clock
    for attempt in range(12):
        await fill_mobile_details(bot_app, f"flood{attempt}")
        text = "\n".join(await bot_app.pick(f"flood{attempt}", "Xác nhận"))
        await bot_app.say(f"flood{attempt}", action=Action.CANCEL)
    assert len(await bot_app.sms_to(AN_PHONE)) == 10  # ten an hour to one phone
    assert "quá nhiều mã" in text and "Thử lại sau" in text


async def test_a_failing_carrier_asks_to_try_again_and_keeps_the_details(bot_app):
    await fill_mobile_details(bot_app, "fault")
    assert await bot_app.sim_post("/sim/carrier/faults", {"status": 503, "count": 10}) == 200
    text = "\n".join(await bot_app.pick("fault", "Xác nhận"))
    assert "thử lại" in text and bot_app.last["fault"].step == "mobile.summary"
    assert "0912345678" in text  # the summary, with everything typed, is still there
    assert await bot_app.sim_post("/sim/carrier/faults", {"count": 0}) == 200
    text = "\n".join(await bot_app.pick("fault", "Xác nhận"))
    assert "Mã OTP đã được gửi" in text


async def test_a_failing_sms_gateway_asks_to_try_again(bot_app):
    await fill_mobile_details(bot_app, "nosms")
    await bot_app.sim_post("/sim/sms/faults", {"status": 500, "count": 10})
    text = "\n".join(await bot_app.pick("nosms", "Xác nhận"))
    assert "thử lại" in text and bot_app.last["nosms"].step == "mobile.summary"


async def test_unreadable_state_restarts_the_dialog_with_a_clear_message(bot_app):
    await fill_mobile_details(bot_app, "corrupt")
    store = bot_app.engine._store
    await store.save(bot_app.engine.session_key("test", "corrupt"), b"not a session", 60)
    text = "\n".join(await bot_app.pick("corrupt", "Xác nhận"))
    assert "Không đọc được phiên" in text and bot_app.last["corrupt"].step == "start.who"


async def test_a_state_store_that_is_down_asks_to_try_again(bot_app):
    from bot.state.store import StoreUnavailable

    class DownStore:
        async def load(self, key):
            raise StoreUnavailable("down")

        def lock(self, key):
            return _Raising()

        def hold(self, keys):
            return _Raising()

    class _Raising:
        async def __aenter__(self):
            raise StoreUnavailable("down")

        async def __aexit__(self, *exc):
            return False

    bot_app.engine._store = DownStore()
    text = "\n".join(await bot_app.say("down", "hello"))
    assert "thử lại" in text


async def test_the_final_turn_retried_after_the_store_failed_says_done_not_duplicate(bot_app):
    """The account was created, then saving the dialog failed: the person types the
    password again and must hear "registered", not "someone has your ID"."""
    from contextlib import asynccontextmanager

    from bot.accounts.model import AccountKind
    from bot.state.store import StoreUnavailable

    await at_otp_step(bot_app, "flaky")
    await bot_app.say("flaky", await bot_app.last_code(AN_PHONE))
    await bot_app.say("flaky", "Hoa-Sen#2024")
    store = bot_app.engine._store
    real_hold = store.hold

    @asynccontextmanager
    async def hold_then_fail(keys):
        async with real_hold(keys) as held:
            yield held
            held.writes.clear()  # nothing of this turn is written...
        raise StoreUnavailable("write failed")  # ...and the store says so

    store.hold = hold_then_fail
    first = "\n".join(await bot_app.say("flaky", "Hoa-Sen#2024"))
    assert "thử lại" in first
    assert await bot_app.accounts.exists(AccountKind.CITIZEN, "001090012345")
    store.hold = real_hold
    again = "\n".join(await bot_app.say("flaky", "Hoa-Sen#2024"))
    assert "Đăng ký thành công" in again and "đã được dùng" not in again


async def test_a_database_that_is_down_asks_to_try_again_and_keeps_the_details(bot_app):
    from bot.accounts.repository import SqlAccounts, make_engine

    accounts = bot_app.app[RUNTIME].accounts
    assert isinstance(accounts, SqlAccounts)
    working = accounts._engine
    await fill_mobile_details(bot_app, "nodb")
    accounts._engine = make_engine("sqlite+aiosqlite:////nonexistent/dir/db")
    text = "\n".join(await bot_app.pick("nodb", "Xác nhận"))
    assert "thử lại" in text and bot_app.last["nodb"].step == "mobile.summary"
    accounts._engine = working
    text = "\n".join(await bot_app.pick("nodb", "Xác nhận"))
    assert "Mã OTP đã được gửi" in text
