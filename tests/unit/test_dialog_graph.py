"""The dialog graph is checked before the engine runs, and drawn for review."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from bot.dialogs.drawings import write_drawings
from bot.dialogs.exits import Exit
from bot.dialogs.registry import dialogs_for_review
from bot.engine.graph import GraphError, validate
from bot.engine.spec import Choice, Dialog, Outcome, Step, StepContext, act
from bot.i18n import msg

ROOT = Path(__file__).resolve().parents[2]
HELP = msg("engine.cancelled")


class T(StrEnum):
    WHO = "start.who"
    ASK = "t.ask"
    DONE = "t.done"
    LOST = "t.lost"


@act(Exit.OK, Exit.DUPLICATE)
async def _check(ctx: StepContext, _: Any) -> Outcome:
    return Outcome()


def _graph(*steps: Step) -> list[Dialog]:
    start = Step(
        T.WHO, HELP, HELP, choices=(Choice(Exit.CONFIRM, HELP),), next={Exit.CONFIRM: T.ASK}
    )
    return [Dialog("t", (start, *steps))]


ASK = Step(T.ASK, HELP, HELP, parse=lambda text, ctx: text, next={Exit.OK: T.DONE})
DONE = Step(T.DONE, HELP, HELP, end=True)


def problems(*steps: Step) -> str:
    with pytest.raises(GraphError) as raised:
        validate(_graph(*steps))
    return str(raised.value)


def test_every_dialog_regbot_runs_forms_a_valid_graph() -> None:
    steps = validate(dialogs_for_review())
    assert "mobile.password_confirm" in steps and "official.done" in steps


def test_a_target_that_does_not_exist_refuses_to_start() -> None:
    typo = Step(T.ASK, HELP, HELP, parse=lambda t, c: t, next={Exit.OK: "t.dnoe"})  # type: ignore[dict-item]
    assert "t.ask: exit ok leads to the unknown step t.dnoe" in problems(typo, DONE)


def test_an_exit_an_action_may_return_must_lead_somewhere() -> None:
    ask = Step(T.ASK, HELP, HELP, parse=lambda t, c: t, act=_check, next={Exit.OK: T.DONE})
    assert "check may return duplicate, which has no next" in problems(ask, DONE)


def test_an_option_without_an_action_must_lead_somewhere() -> None:
    ask = Step(T.ASK, HELP, HELP, choices=(Choice(Exit.EDIT, HELP),), next={Exit.HOME: T.DONE})
    found = problems(ask, DONE)
    assert "option edit has no next" in found and "exit home is declared but nothing" in found


def test_an_unreachable_step_and_an_end_step_with_a_way_on_are_refused() -> None:
    lost = Step(T.LOST, HELP, HELP, parse=lambda t, c: t, next={Exit.OK: T.DONE})
    done = Step(T.DONE, HELP, HELP, end=True, next={Exit.OK: T.ASK})
    found = problems(ASK, done, lost)
    assert "t.lost: cannot be reached from start.who" in found
    assert "t.done: an end step must lead nowhere" in found


def test_a_field_the_draft_does_not_have_is_refused() -> None:
    ask = Step(T.ASK, HELP, HELP, parse=lambda t, c: t, field="fullname", next={Exit.OK: T.DONE})
    assert "field fullname is not a field of PersonDraft" in problems(ask, DONE)


def test_a_step_declared_twice_is_refused() -> None:
    assert "t.ask: declared twice" in problems(ASK, ASK, DONE)


def test_the_committed_drawings_of_every_route_are_current() -> None:
    stale = write_drawings(ROOT / "docs" / "dialogs", ("vi", "en"), check=True)
    assert stale == 0, "docs/dialogs is stale: run `regbot dialogs` and commit the result"


def test_a_route_is_drawn_with_the_catalog_words_a_person_reads(tmp_path: Path) -> None:
    assert write_drawings(tmp_path, ("vi",)) == 0
    mobile = (tmp_path / "vi" / "mobile.md").read_text(encoding="utf-8")
    assert "```mermaid\nstateDiagram-v2" in mobile
    assert "mobile_summary --> common_duplicate: đã có tài khoản với số này" in mobile
    assert "mobile_not_verified --> start_who: Về màn hình đầu" in mobile
    assert {p.name for p in (tmp_path / "vi").iterdir()} == {
        "mobile.md",
        "bhxh.md",
        "sim.md",
        "usb.md",
        "official_usb.md",
        "forgot.md",
        "post_office.md",
    }
