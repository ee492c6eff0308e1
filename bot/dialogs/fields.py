"""Steps that ask for a person's details, the same in every dialog that asks for them;
each dialog gives its own words (prompt, help) and where to go next."""

from __future__ import annotations

from bot.dialogs.common import show_date
from bot.dialogs.spec import Step, StepAction
from bot.i18n import Msg
from bot.validation import parse_birth_date, parse_email, parse_full_name


def full_name_step(name: str, prompt: Msg, help: Msg, next_step: str) -> Step:
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_full_name(text),
        field="full_name",
        next={"ok": next_step},
    )


def birth_date_step(
    name: str, prompt: Msg, help: Msg, next_step: str, act: StepAction | None = None
) -> Step:
    """Kept as an ISO date in the dialog data, shown back as dd/mm/yyyy."""
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_birth_date(text, ctx.now.date()).isoformat(),
        act=act,
        field="birth_date",
        show_value=show_date,
        next={"ok": next_step},
    )


def optional_email_step(name: str, prompt: Msg, help: Msg, next_step: str) -> Step:
    """Email is optional for citizens (the guide): the step offers "skip"."""
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_email(text),
        field="email",
        optional=True,
        next={"ok": next_step},
    )
