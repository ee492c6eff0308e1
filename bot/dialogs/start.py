"""The first screens (guide step 2, "Chọn phương thức đăng ký"): who registers, then how.

Built from the registered dialogs, so only methods that exist are offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind
from bot.dialogs.common import HOME, HOME_CHOICE, Entry
from bot.dialogs.exits import Exit
from bot.engine.spec import Act, Choice, Dialog, Method, Outcome, Step, StepContext, act
from bot.i18n import msg


class StartStep(StrEnum):
    WHO = Entry.START.value
    METHODS_CITIZEN = "start.methods_citizen"
    METHODS_BUSINESS = "start.methods_business"
    METHODS_OFFICIAL = "start.methods_official"


METHODS_OF: Final = {
    AccountKind.CITIZEN: StartStep.METHODS_CITIZEN,
    AccountKind.BUSINESS: StartStep.METHODS_BUSINESS,
    AccountKind.OFFICIAL: StartStep.METHODS_OFFICIAL,
}


def _choose_kind(kind: AccountKind) -> Act:
    @act(kind)
    async def choose_kind(ctx: StepContext, _: Any) -> Outcome:
        ctx.draft.kind = kind
        return Outcome(kind)

    return choose_kind


@act(Exit.LANGUAGE)
async def _switch_language(ctx: StepContext, _: Any) -> Outcome:
    ctx.lang = "en" if ctx.lang == "vi" else "vi"
    return Outcome(Exit.LANGUAGE)


def build_start(dialogs: Sequence[Dialog]) -> Dialog:
    methods = [m for d in dialogs for m in d.methods]
    kinds = [k for k in AccountKind if any(k in m.kinds for m in methods)]
    entries: list[Method] = [m for m in methods if not m.kinds]  # e.g. forgot password
    who = Step(
        name=StartStep.WHO,
        prompt=msg("start.who"),
        help=msg("start.who_help"),
        choices=(
            *(Choice(k, msg(f"start.kind_{k}"), act=_choose_kind(k)) for k in kinds),
            *(Choice(m.key, m.label) for m in entries),
            Choice(Exit.LANGUAGE, msg("start.switch_language"), act=_switch_language),
        ),
        next={
            **{k: METHODS_OF[k] for k in kinds},
            **{m.key: m.entry for m in entries},
            Exit.LANGUAGE: StartStep.WHO,
        },
    )
    per_kind = tuple(
        Step(
            name=METHODS_OF[kind],
            prompt=msg(f"start.methods_{kind}"),
            help=msg(f"start.methods_help_{kind}"),  # only the methods this kind has
            choices=(
                *(Choice(m.key, m.label) for m in methods if kind in m.kinds),
                HOME_CHOICE,
            ),
            next={**{m.key: m.entry for m in methods if kind in m.kinds}, **HOME},
        )
        for kind in kinds
    )
    return Dialog(name="start", steps=(who, *per_kind))
