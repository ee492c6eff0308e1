"""Steps that ask for a person's details, the same in every dialog that asks for them;
each dialog gives its own words (prompt, help) and where to go next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

from bot.dialogs.common import show_date
from bot.dialogs.exits import Exit
from bot.engine.spec import Act, Choice, Invalid, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.validation import mask_phone, parse_birth_date, parse_email, parse_full_name, parse_phone


def full_name_step(name: StrEnum, prompt: Msg, help: Msg, next_step: StrEnum) -> Step:
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_full_name(text),
        field="full_name",
        next={Exit.OK: next_step},
    )


def birth_date_step(
    name: StrEnum, prompt: Msg, help: Msg, next_step: StrEnum, act: Act | None = None
) -> Step:
    """Kept as a date in the draft, shown back as dd/mm/yyyy."""
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_birth_date(text, ctx.now.date()),
        act=act,
        field="birth_date",
        show_value=show_date,
        next={Exit.OK: next_step},
    )


def optional_email_step(name: StrEnum, prompt: Msg, help: Msg, next_step: StrEnum) -> Step:
    """Email is optional for citizens (the guide): the step offers "skip"."""
    return Step(
        name,
        prompt,
        help,
        parse=lambda text, ctx: parse_email(text),
        field="email",
        optional=True,
        next={Exit.OK: next_step},
    )


def _mobile(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return parse_phone(number)
    except Invalid:
        return None


def caller_mobile(ctx: StepContext) -> str | None:
    """The number the person calls from (USSD), when it is a Vietnamese mobile. That
    phone is busy with the call: it cannot show a signing SIM's request, nor open a link."""
    return _mobile(ctx.caller)


def own_mobile(ctx: StepContext) -> str | None:
    """A Vietnamese mobile the channel vouches is the person's own: the one they call from
    (USSD), or the one their messenger account shared (Zalo, Telegram). Nobody is on a call
    from a shared number: ask `caller_mobile` for what only a call implies."""
    return caller_mobile(ctx) or _mobile(ctx.vouched_phone)


def use_own_phone_choice(
    then: Callable[[StepContext, str], Awaitable[Outcome]], *exits: Exit
) -> Choice:
    """A phone step's "use 09*****678?" option (where the channel vouches for the
    person's number), doing `then` with that number; `exits` are those `then` may return."""

    @act(*exits)
    async def use_caller(ctx: StepContext, _: Any) -> Outcome:
        phone = own_mobile(ctx)
        if phone is None:  # the option is only shown with a vouched number
            return Outcome.stay()
        return await then(ctx, phone)

    return Choice(
        Exit.USE_CALLER,
        lambda ctx: msg("phone.use_caller", phone=mask_phone(own_mobile(ctx) or "")),
        use_caller,
        when=lambda ctx: own_mobile(ctx) is not None,
    )


def edit_menu_step(
    name: StrEnum, fields: Sequence[tuple[Exit, Msg, StrEnum]], help: Msg, summary: StrEnum
) -> Step:
    """ "Sửa thông tin": which field to change; each leads to its own edit step, which
    returns to the summary - as does "nothing to change"."""
    return Step(
        name,
        msg("common.edit_which"),
        help,
        choices=(
            *(Choice(exit, label) for exit, label, _ in fields),
            Choice(Exit.SUMMARY, msg("common.edit_none")),
        ),
        next={**{exit: step for exit, _, step in fields}, Exit.SUMMARY: summary},
    )
