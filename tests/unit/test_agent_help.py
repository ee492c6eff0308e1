"""An agent helps a person at the engine level, through `bootstrap` with fakes: a
message reaches them now where their channel can push and on their next screen where it
cannot; a take-over pauses the bot and hands what they type to the agent; hand-back goes
on where it paused; a reset starts again. Every turn leaves a record for the console."""

from __future__ import annotations

import re

import pytest

from bot.engine.messages import Action, AgentMessage, HandBack, ResetConversation, TakeOver
from bot.engine.records import TurnRecord
from bot.engine.render import render
from bot.i18n import PersonalKind
from tests.support.fakes import AN_ID, AN_PHONE, FakeWorld, world_with_an

PASSWORD = "Hoa-Sen#2024"


@pytest.fixture
def world() -> FakeWorld:
    return world_with_an()


@pytest.fixture
def records(world: FakeWorld) -> list[TurnRecord]:
    seen: list[TurnRecord] = []
    world.runtime.engine.add_observer(seen.append)
    return seen


def text_of(world: FakeWorld, reply) -> str:
    shown = render(reply, world.runtime.translator)
    return "\n".join([*shown.texts, *(label for _, label in shown.options)])


async def at_id_number(world: FakeWorld, user: str) -> None:
    await world.say(user)
    await world.pick(user, "Công dân")
    await world.pick(user, "Thuê bao di động")
    await world.say(user, "Nguyen Van An")
    await world.say(user, "17/05/1990")


async def test_an_agent_s_message_is_pushed_with_the_screen_the_person_is_at(world):
    await at_id_number(world, "an")
    engine = world.runtime.engine
    reply = await engine.intervene(
        AgentMessage("test", "an", "lan", "Số CCCD có 12 chữ số, in ở mặt trước thẻ."),
        can_push=True,
    )
    assert reply is not None
    shown = text_of(world, reply)
    assert "Nhân viên hỗ trợ: Số CCCD có 12 chữ số" in shown
    assert "CCCD" in shown and reply.step == "mobile.id_number"
    # nothing waits for the next screen: it was delivered
    assert "Nhân viên" not in await world.say("an", AN_ID)


async def test_where_the_channel_cannot_push_the_message_comes_first_on_the_next_screen(world):
    await at_id_number(world, "an")
    engine = world.runtime.engine
    assert (
        await engine.intervene(AgentMessage("test", "an", "lan", "Xin chào"), can_push=False)
        is None
    )
    next_screen = await world.say("an", AN_ID)
    assert next_screen.startswith("Nhân viên hỗ trợ: Xin chào")
    assert world.step("an") == "mobile.phone"  # the answer counted as usual
    assert "Xin chào" not in await world.say("an", action=Action.SHOW)  # shown once


async def test_a_take_over_pauses_the_bot_and_a_hand_back_goes_on_where_it_paused(world, records):
    await at_id_number(world, "an")
    engine = world.runtime.engine
    taken = await engine.intervene(TakeOver("test", "an", "lan"), can_push=True)
    assert taken is not None and "đang trò chuyện với bạn" in text_of(world, taken)
    typed = await world.say("an", "Tôi không biết số CCCD ở đâu")
    assert "trò chuyện với nhân viên hỗ trợ" in typed and world.step("an") == "mobile.id_number"
    said = records[-1]
    assert said.outcome == "to_agent" and said.paused and said.agent == "lan"
    assert said.said and said.said.typed and said.said.typed.to_agent
    assert said.said.typed.text == "Tôi không biết số CCCD ở đâu"
    back = await engine.intervene(HandBack("test", "an", "lan"), can_push=True)
    assert back is not None and "tiếp tục đăng ký" in text_of(world, back)
    assert back.step == "mobile.id_number"
    await world.say("an", AN_ID)
    assert world.step("an") == "mobile.phone"  # the bot went on from where it paused


async def test_cancelling_during_a_take_over_ends_the_dialog_and_the_pause(world):
    await at_id_number(world, "an")
    engine = world.runtime.engine
    await engine.intervene(TakeOver("test", "an", "lan"), can_push=True)
    await world.say("an", action=Action.CANCEL)
    assert world.last["an"].end
    await world.say("an", "hello")
    assert world.step("an") == "start.who"
    assert "trò chuyện" not in await world.pick("an", "Công dân")


async def test_a_reset_starts_again_from_the_first_screen_and_says_so(world):
    await at_id_number(world, "an")
    engine = world.runtime.engine
    reply = await engine.intervene(ResetConversation("test", "an", "lan"), can_push=True)
    assert reply is not None and reply.step == "start.who"
    assert "bắt đầu lại từ đầu" in text_of(world, reply)
    world.last["an"] = reply  # the person reads the pushed first screen
    await world.pick("an", "Công dân")
    await world.pick("an", "Thuê bao di động")
    assert "Nguyen" not in await world.say("an", action=Action.SHOW)  # nothing kept


async def test_what_is_typed_at_a_password_step_is_never_in_a_record(world, records):
    await at_id_number(world, "an")
    await world.say("an", AN_ID)
    await world.say("an", "0912 345 678")
    await world.say("an", "")
    await world.pick("an", "Xác nhận")
    code = re.search(r"\b(\d{6})\b", world.sms.to(AN_PHONE)[-1])
    assert code is not None
    await world.say("an", code.group(1))
    await world.runtime.engine.intervene(TakeOver("test", "an", "lan"), can_push=True)
    await world.say("an", PASSWORD)  # typed to the agent, at the password step
    await world.runtime.engine.intervene(HandBack("test", "an", "lan"), can_push=True)
    await world.say("an", PASSWORD)
    await world.say("an", PASSWORD)
    assert world.last["an"].end
    for record in records:
        assert PASSWORD not in repr(record) and code.group(1) not in repr(record.said.typed)


async def test_each_turn_says_the_method_the_time_in_step_and_the_refused_answers(world, records):
    await at_id_number(world, "an")
    entered = records[-1].entered
    await world.say("an", "12345")
    await world.say("an", "abc")
    refused = records[-1]
    assert refused.failed and refused.failures == 2 and refused.entered == entered
    assert (refused.method, refused.kind, refused.step_after) == (
        "mobile",
        "citizen",
        "mobile.id_number",
    )
    await world.say("an", AN_ID)
    moved = records[-1]
    assert not moved.failed and moved.failures == 0 and moved.step_after == "mobile.phone"
    assert moved.said is not None and moved.said.typed is not None
    assert moved.said.typed.kind == PersonalKind.ID and moved.said.typed.text == AN_ID
    assert any(p.value == AN_ID and p.kind is PersonalKind.ID for p in moved.said.personal)
