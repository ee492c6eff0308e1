"""The engine's stories, through `bootstrap` with in-memory fakes: no HTTP, no database,
milliseconds each."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.accounts.model import AccountKind
from bot.engine.messages import (
    SECRET_CONSUMED,
    Action,
    HandBack,
    Inbound,
    SignatureArrived,
    TakeOver,
)
from bot.state.session import ConversationRecord, DialogSession
from integrations.errors import IntegrationUnavailable
from tests.support.fakes import AN_ID, AN_PHONE, FakeWorld, at_summary, world_with_an

PASSWORD = "Hoa-Sen#2024"


@pytest.fixture
def world() -> FakeWorld:
    return world_with_an()


async def test_a_citizen_registers_by_mobile_subscriber_through_the_fakes(world: FakeWorld):
    summary = await at_summary(world, "an")
    assert "Nguyen Van An" in summary and world.step("an") == "mobile.summary"
    await world.pick("an", "Xác nhận")
    [sms] = world.sms.to(AN_PHONE)
    code = re.search(r"\b(\d{6})\b", sms)
    assert code is not None
    await world.say("an", code.group(1))
    await world.say("an", PASSWORD)
    done = await world.say("an", PASSWORD)
    assert "Đăng ký thành công" in done and world.last["an"].end
    account = await world.accounts.find(AccountKind.CITIZEN, AN_ID)
    assert account is not None and account.verification_level == 2
    assert account.password_hash and PASSWORD not in account.password_hash


async def test_back_returns_with_what_was_typed_and_the_first_screen_cannot_go_back(
    world: FakeWorld,
):
    await world.say("u")
    first = await world.say("u", action=Action.BACK)
    assert "Không thể quay lại" in first and world.step("u") == "start.who"
    await at_summary(world, "u")
    email = await world.say("u", action=Action.BACK)
    assert world.step("u") == "mobile.email" and "Bỏ qua" in email
    await world.say("u", action=Action.BACK)
    phone = await world.say("u", action=Action.BACK)
    assert world.step("u") == "mobile.id_number" and f"Giữ nguyên: {AN_ID}" in phone  # kept


async def test_help_stays_and_cancel_deletes_what_was_typed(world: FakeWorld):
    await at_summary(world, "u")
    helped = await world.say("u", action=Action.HELP)
    assert world.step("u") == "mobile.summary" and "nhà mạng" in helped
    cancelled = await world.say("u", action=Action.CANCEL)
    assert "đã được xóa" in cancelled and world.last["u"].end
    assert not world.store._values  # nothing of the person is stored any more
    await world.say("u", "hello")
    assert world.step("u") == "start.who"


async def test_a_carrier_that_does_not_answer_asks_to_try_again_and_keeps_the_details(
    world: FakeWorld,
):
    async def down(msisdn: str):
        raise IntegrationUnavailable("timeout", system="carrier")

    await at_summary(world, "u")
    world.carrier.lookup = down  # type: ignore[method-assign]
    screen = await world.pick("u", "Xác nhận")
    assert "thử lại" in screen and world.step("u") == "mobile.summary"
    assert "Nguyen Van An" in screen  # the summary is still there, nothing lost


async def test_a_bug_in_a_step_costs_the_turn_not_the_dialog(world: FakeWorld):
    await at_summary(world, "u")
    world.carrier.lookup = None  # type: ignore[assignment, method-assign]
    screen = await world.pick("u", "Xác nhận")
    assert "lỗi ở hệ thống" in screen and world.step("u") == "mobile.summary"
    assert "Nguyen Van An" in await world.say("u", action=Action.SHOW)


async def test_a_dialog_saved_by_another_version_of_the_graph_restarts_with_a_notice(
    world: FakeWorld,
):
    engine = world.runtime.engine
    old = DialogSession(step="mobile.phone", lang="vi", spec_version="older")
    key = engine.session_key("test", "u")
    await world.store.save(key, engine._codec.dumps(ConversationRecord(old)), 60)
    screen = await world.say("u", "0912345678")
    assert "vừa được cập nhật" in screen and world.step("u") == "start.who"


async def test_state_that_cannot_be_read_restarts_with_a_notice(world: FakeWorld):
    engine = world.runtime.engine
    await world.store.save(engine.session_key("test", "u"), b"garbage", 60)
    screen = await world.say("u", "1")  # any message: no screen was readable to pick from
    assert "Không đọc được phiên" in screen and world.step("u") == "start.who"


async def test_text_typed_where_the_step_is_unknown_is_to_be_deleted_but_a_command_is_not(
    world: FakeWorld,
):
    """The dialog expired (or changed, or cannot be read): what was typed may have been
    the password the lost step asked for."""
    engine = world.runtime.engine
    await at_summary(world, "u")
    await world.store.delete(engine.session_key("test", "u"))  # 15 minutes went by
    await world.say("u", PASSWORD)
    assert world.step("u") == "start.who" and SECRET_CONSUMED in world.last["u"].hints
    await world.store.delete(engine.session_key("test", "u"))
    await world.say("u", action=Action.HOME)  # /start: nothing typed that may be secret
    assert SECRET_CONSUMED not in world.last["u"].hints
    await world.say("u", "1")  # an answer to a step the engine knows
    assert SECRET_CONSUMED not in world.last["u"].hints


async def test_a_command_typed_at_the_password_step_is_to_be_deleted_as_an_answer_is(
    world: FakeWorld,
):
    """A person whose password is `/help` and one asking for help type the same thing."""
    await at_summary(world, "u")
    await world.pick("u", "Xác nhận")
    code = re.search(r"\b(\d{6})\b", world.sms.to(AN_PHONE)[-1])
    assert code is not None
    await world.say("u", code.group(1))
    await world.runtime.engine.intervene(TakeOver("test", "u", "lan"), can_push=True)
    await world.say("u", action=Action.HELP)  # to the agent, at the password step
    assert SECRET_CONSUMED in world.last["u"].hints
    await world.runtime.engine.intervene(HandBack("test", "u", "lan"), can_push=True)
    for action in (Action.HELP, Action.LANGUAGE, Action.BACK, Action.HOME):
        await world.say("u", action=action)
        assert SECRET_CONSUMED in world.last["u"].hints, action
    await world.say("u", action=Action.HELP)  # home led away: nothing typed is a secret
    assert SECRET_CONSUMED not in world.last["u"].hints


async def test_a_channel_slot_shares_the_record_and_outlives_the_dialog(world: FakeWorld):
    engine = world.runtime.engine
    async with engine.conversation("test", "u") as conversation:
        await conversation.turn(Inbound("test", "u"))
        conversation.set_slot("test", b"last screen")
    assert len(world.store._values) == 1  # one key for the dialog and the slot
    async with engine.conversation("test", "u") as conversation:
        assert conversation.slot("test") == b"last screen"
        await conversation.turn(Inbound("test", "u", action=Action.CANCEL))
        assert conversation.record.dialog is None
    async with engine.conversation("test", "u") as conversation:
        assert conversation.slot("test") == b"last screen"
        conversation.set_slot("test", None)
    assert world.store._values == {}  # an empty record is deleted


async def test_a_resume_continues_only_a_person_still_waiting_at_its_step(world: FakeWorld):
    engine = world.runtime.engine
    await at_summary(world, "u")
    assert await engine.resume(SignatureArrived("test", "u", "sim.wait")) is None
    assert world.step("u") == "mobile.summary"  # nothing ran


async def test_two_turns_of_one_person_at_once_run_one_after_the_other(world: FakeWorld):
    await at_summary(world, "u")
    replies = await asyncio.gather(world.pick("u", "Xác nhận"), world.say("u", "1"))
    assert len(world.sms.to(AN_PHONE)) == 1  # the second "1" found the OTP step
    assert "OTP" in replies[0]
