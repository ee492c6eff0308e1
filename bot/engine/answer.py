"""Reading a person's answer at a step: a picked option, or typed text its parser accepts.

Pure: no store, no side effect but writing the parsed value to the step's field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from bot.engine.messages import Action, Inbound
from bot.engine.spec import KEEP, OK, SKIP, Act, Choice, Invalid, Step, StepContext
from bot.engine.view import choice_act, choices_of, field_value, match_choice
from bot.i18n import Msg, msg

MAX_INPUT_CHARS: Final = 1000


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person gave: the exit it names, the value, and the action to run."""

    exit: str
    value: Any = None
    act: Act | None = None
    typed: bool = False  # typed text its parser accepted (not a picked option)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The answer cannot be used: the message says why; the step stays."""

    message: Msg


def read_answer(step: Step, ctx: StepContext, inbound: Inbound) -> Answer | Refusal:
    if len(inbound.text) > MAX_INPUT_CHARS:
        return Refusal(msg("engine.too_long", limit=MAX_INPUT_CHARS))
    text = inbound.text if step.sensitive else inbound.text.strip()
    choices = choices_of(step, ctx)
    chosen = match_choice(choices, inbound, text, has_parser=step.parse is not None)
    if chosen is None and not text and inbound.action is Action.TEXT:
        # nothing typed where "skip" is offered (an optional step, or one that makes
        # itself optional, as the email of a citizen's signature registration): skipped
        chosen = next((c for c in choices if c.key == SKIP), None)
    if chosen is not None:
        return _picked(step, ctx, chosen)
    if step.parse is None:
        return Refusal(msg("engine.choose_a_number", count=len(choices)))
    try:
        value = step.parse(text, ctx)
    except Invalid as refused:
        return Refusal(refused.message)
    if step.field:
        setattr(ctx.draft.person, step.field, value)
    return Answer(OK, value, step.act, typed=True)


def _picked(step: Step, ctx: StepContext, chosen: Choice) -> Answer:
    value: Any = None
    if chosen.key == KEEP:
        value = field_value(step, ctx)
    elif chosen.key == SKIP and step.field:
        setattr(ctx.draft.person, step.field, None)
    exit = OK if chosen.key in (KEEP, SKIP) else chosen.key
    return Answer(exit, value, choice_act(step, chosen))
