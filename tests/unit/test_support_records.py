"""What the support desk keeps of a conversation reads as the console's rule says: ID
numbers and phones the last 3 digits, names the initials, secrets never; every step has
words for agents; the funnel counts people per stage and points at the biggest drop."""

from __future__ import annotations

import pytest

from bot.dialogs.registry import dialogs_for_review
from bot.engine.graph import DialogGraph
from bot.events import ConversationEvent, MemorySink
from bot.i18n import Personal, PersonalKind, Translator
from bot.support.funnel import STAGE_OF_STEP, Reached, Stage, funnel_of, stage_of
from bot.support.live import LiveBoard, LiveFilter
from bot.support.masking import mask_message, mask_value, mask_words, person_label, scrub

GRAPH = DialogGraph(dialogs_for_review())


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator.load()


def test_typed_values_are_masked_by_the_kind_of_their_field():
    assert mask_value("001 090 012 345", PersonalKind.ID) == "*********345"
    assert mask_value("0912.345.678", PersonalKind.PHONE) == "*******678"
    assert mask_value("Nguyễn Văn An", PersonalKind.NAME) == "N. V. A."
    assert mask_value("17/05/1990", PersonalKind.DATE) == "**/**/****"
    assert mask_value("an.nguyen@example.vn", PersonalKind.EMAIL) == "a***@example.vn"


def test_free_text_keeps_no_number_a_code_or_a_password_could_be_read_from():
    masked = mask_words("Nguyen Van An 0912345678 123456 Hoa-Sen#2024 an@x.vn")
    assert masked == "N. V. A. *******678 *** *** a***@x.vn"
    chat = mask_words("em khong nhan duoc ma 123456, so em 0912 345 678", chat=True)
    assert chat == "em khong nhan duoc ma *** so em *** *** ***"


def test_an_agent_s_message_is_kept_like_a_chat_line_with_the_dialog_s_values_masked():
    personal = [Personal("Nguyen Van An", PersonalKind.NAME)]
    text = "Chao Nguyen Van An,\ngoi 0987654321 hoac dua CCCD 001090099999, ma 123456"
    assert mask_message(text, personal) == (
        "Chao N. V. A.,\ngoi *******321 hoac dua CCCD *** ma ***"
    )
    assert mask_message("so 0987654321 va 001090099999 nhe") == (
        "so *******321 va *********999 nhe"
    )


def test_the_live_list_names_a_person_by_their_masked_phone_or_the_end_of_their_id():
    phone = Personal("+84912345678", PersonalKind.PHONE)
    assert person_label([phone], "+84912345678") == "+8491****678"
    assert person_label([], "777001") == "…001"


def test_a_record_never_shows_a_value_the_dialog_holds_in_any_form_a_screen_writes_it():
    personal = [
        Personal("Nguyen Van An", PersonalKind.NAME),
        Personal("001090012345", PersonalKind.ID),
        Personal("+84912345678", PersonalKind.PHONE),
    ]
    screen = "Nguyen Van An, CCCD 001*******45, 0912345678, 09*****678, /sign/AbCdEf123456"
    assert (
        scrub(screen, personal) == "N. V. A., CCCD *********345, *******678, *******678, /sign/***"
    )


def test_every_step_has_words_for_agents_in_both_languages(translator):
    for step in GRAPH.steps:
        for lang in ("vi", "en"):
            assert translator.has(f"support.step.{step}", lang), (step, lang)
    for method in GRAPH.methods.values():
        assert translator.has(f"support.method.{method}"), method


def test_the_funnel_s_steps_exist_and_every_method_ends_in_an_account_created():
    assert set(STAGE_OF_STEP) <= set(GRAPH.steps)
    for entry, method in GRAPH.methods.items():
        dialog = entry.split(".")[0]
        if method == "post_office":  # refers the citizen to a counter; no account here
            assert f"{dialog}.done" not in GRAPH.steps
            continue
        assert stage_of(f"{dialog}.done", "x") is Stage.CREATED
    assert stage_of("mobile.full_name", "mobile") is Stage.METHOD
    assert stage_of("start.who", "") is Stage.STARTED


def test_the_funnel_counts_people_per_stage_and_marks_where_most_give_up():
    reached = [
        Reached("ussd:a", "ussd", "", 0),
        Reached("ussd:a", "ussd", "mobile", 4),  # registered
        Reached("ussd:b", "ussd", "mobile", 1),  # chose mobile, stopped there
        Reached("ussd:c", "ussd", "mobile", 1),
        Reached("ussd:d", "ussd", "", 0),  # only saw the first screen
        Reached("telegram:e", "telegram", "bhxh", 2),
    ]
    everyone = funnel_of(reached)
    assert everyone.counts == (5, 4, 2, 1, 1)
    ussd_mobile = funnel_of(reached, "ussd", "mobile")
    assert ussd_mobile.counts == (4, 3, 1, 1, 1)
    assert ussd_mobile.give_up is Stage.METHOD  # 3 chose a method, 1 got further
    assert funnel_of([], "ussd").give_up is None


def test_the_live_list_flags_three_refused_answers_or_three_minutes_at_one_step():
    now = [1_000_000.0]
    board = LiveBoard(MemorySink(), ttl_seconds=900, clock=lambda: now[0])

    def event(person: str, entered: float, failures: int = 0, channel: str = "ussd"):
        return ConversationEvent(
            now[0],
            channel,
            person,
            "",
            "mobile.id_number",
            "text",
            1.0,
            False,
            entered=entered,
            failures=failures,
            method="mobile",
        )

    board.apply(event("ussd:calm", now[0] - 30))
    board.apply(event("ussd:typos", now[0] - 30, failures=3))
    board.apply(event("telegram:slow", now[0] - 180, channel="telegram"))
    rows = {row.event.person: row for row in board.rows()}
    assert not rows["ussd:calm"].stuck and rows["ussd:calm"].seconds == 30
    assert rows["ussd:typos"].stuck and rows["telegram:slow"].stuck
    assert [r.event.person for r in board.rows(LiveFilter(stuck=True, channel="ussd"))] == [
        "ussd:typos"
    ]
    now[0] += 901  # untouched past the session's lifetime: expired, off the list
    assert board.rows() == []
