"""How a step looks and reads an answer: its prompt and numbered options, the "keep what
you typed" and "skip" choices, and which option a typed number or a button picks."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.engine.messages import PASSWORD_ENTRY, PHONE_ENTRY, Action, Inbound, Option, Reply
from bot.engine.spec import KEEP, SKIP, Act, Choice, Step, StepContext
from bot.i18n import Msg, msg
from bot.state.session import DialogSession


def field_value(step: Step, ctx: StepContext) -> Any:
    """The value the step's field holds (None without a field)."""
    return getattr(ctx.draft.person, step.field) if step.field else None


def is_optional(step: Step, ctx: StepContext) -> bool:
    return step.optional(ctx) if callable(step.optional) else step.optional


def choices_of(step: Step, ctx: StepContext) -> list[Choice]:
    """The step's options that apply, with "keep" first when a value was typed before
    (after "back") and "skip" last on optional steps; secrets are never offered back."""
    choices = [c for c in step.choices if c.when is None or c.when(ctx)]
    kept = field_value(step, ctx)
    if kept is not None and not step.sensitive:
        shown = step.show_value(kept) if step.show_value else str(kept)
        choices.insert(0, Choice(KEEP, msg("engine.keep_value", value=shown)))
    if is_optional(step, ctx):
        choices.append(Choice(SKIP, msg("engine.skip")))
    return choices


def match_choice(
    choices: list[Choice], inbound: Inbound, text: str, *, has_parser: bool
) -> Choice | None:
    """A pressed button, or a typed option number (1-2 digits where text is also read)."""
    if inbound.action is Action.CHOOSE:
        return next((c for c in choices if c.key == inbound.choice), None)
    digits = unicodedata.normalize("NFKC", text)  # full-width ０-９ are digits too
    if digits.isascii() and digits.isdecimal() and (not has_parser or len(digits) <= 2):
        number = int(digits)  # not isdigit(): "²" is a digit that int() refuses
        if 1 <= number <= len(choices):
            return choices[number - 1]
    return None


def choice_act(step: Step, chosen: Choice) -> Act | None:
    """A choice runs its own action if it has one; KEEP/SKIP run the step's action."""
    if chosen.key in (KEEP, SKIP):
        return step.act
    return chosen.act


def chosen_label(step: Step, ctx: StepContext, inbound: Inbound) -> Msg | None:
    """The label of the option an input picks at `step`, if it picks one (for records)."""
    text = inbound.text.strip()
    choices = choices_of(step, ctx)
    chosen = match_choice(choices, inbound, text, has_parser=step.parse is not None)
    if chosen is None and not text and inbound.action is Action.TEXT:  # as read_answer
        chosen = next((c for c in choices if c.key == SKIP), None)
    return label_of(chosen, ctx) if chosen is not None else None


def label_of(choice: Choice, ctx: StepContext) -> Msg:
    return choice.label(ctx) if callable(choice.label) else choice.label


def screen(step: Step, session: DialogSession, ctx: StepContext, notice: Msg | None) -> Reply:
    """The reply showing `step`: a notice first (an error, a confirmation), then the prompt."""
    prompt = step.prompt(ctx) if callable(step.prompt) else step.prompt
    prompts = (prompt,) if isinstance(prompt, Msg) else tuple(prompt)
    texts = ((notice,) if notice is not None else ()) + prompts
    hints = frozenset(
        hint for hint, on in ((PASSWORD_ENTRY, step.password), (PHONE_ENTRY, step.phone)) if on
    )
    if step.release_line is not None and step.release_line(ctx):
        hints |= {RELEASE_LINE}
    return Reply(
        texts=texts,
        options=tuple(Option(c.key, label_of(c, ctx)) for c in choices_of(step, ctx)),
        lang=session.lang,
        step=step.name,
        end=step.end,
        sensitive=step.sensitive,
        can_go_back=bool(session.history) and not step.end,
        hints=hints,
    )


RELEASE_LINE = "release_line"  # Reply hint: the person must end this call (Step.release_line)
