"""Steps that ask for a person's details, the same in every dialog that asks for them;
each dialog gives its own words (prompt, help) and where to go next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.dialogs.common import show_date
from bot.engine.spec import Choice, ChoicesFn, Invalid, Outcome, Step, StepAction, StepContext
from bot.i18n import Msg, msg
from bot.validation import mask_phone, parse_birth_date, parse_email, parse_full_name, parse_phone


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


def caller_mobile(ctx: StepContext) -> str | None:
    """The number the person calls from (USSD), when it is a Vietnamese mobile."""
    if not ctx.caller:
        return None
    try:
        return parse_phone(ctx.caller)
    except Invalid:
        return None


def use_caller_choice(then: Callable[[StepContext, str], Awaitable[Outcome]]) -> ChoicesFn:
    """A phone step's "use 09*****678?" option, doing `then` with the caller's number."""

    def choices(ctx: StepContext) -> tuple[Choice, ...]:
        phone = caller_mobile(ctx)
        if phone is None:
            return ()

        async def use_caller(ctx: StepContext, _: Any) -> Outcome:
            return await then(ctx, phone)

        return (Choice("use_caller", msg("phone.use_caller", phone=mask_phone(phone)), use_caller),)

    return choices
