"""The first screens (guide step 2, "Chọn phương thức đăng ký"): who registers, then how.

Built from the registered dialogs, so only methods that exist are offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dialogs.common import HOME_CHOICE
from bot.engine.spec import Choice, Dialog, Method, Outcome, Step, StepContext
from bot.i18n import msg

KINDS = ("citizen", "business", "official")


def _choose_kind(kind: str) -> Any:
    async def act(ctx: StepContext, _: Any) -> Outcome:
        ctx.data["kind"] = kind
        return Outcome(kind)

    return act


async def _switch_language(ctx: StepContext, _: Any) -> Outcome:
    ctx.lang = "en" if ctx.lang == "vi" else "vi"
    return Outcome("language")


def build_start(dialogs: Sequence[Dialog]) -> Dialog:
    methods = [m for d in dialogs for m in d.methods]
    kinds = [k for k in KINDS if any(k in m.kinds for m in methods)]
    entries: list[Method] = [m for m in methods if not m.kinds]  # e.g. forgot password
    who = Step(
        name="start.who",
        prompt=msg("start.who"),
        help=msg("start.who_help"),
        choices=(
            *(Choice(k, msg(f"start.kind_{k}"), act=_choose_kind(k)) for k in kinds),
            *(Choice(m.key, m.label) for m in entries),
            Choice("language", msg("start.switch_language"), act=_switch_language),
        ),
        next={
            **{k: f"start.methods_{k}" for k in kinds},
            **{m.key: m.entry for m in entries},
            "language": "start.who",
        },
    )
    per_kind = tuple(
        Step(
            name=f"start.methods_{kind}",
            prompt=msg(f"start.methods_{kind}"),
            help=msg("start.methods_help"),
            choices=(
                *(Choice(m.key, m.label) for m in methods if kind in m.kinds),
                HOME_CHOICE,
            ),
            next={**{m.key: m.entry for m in methods if kind in m.kinds}, "home": "start.who"},
        )
        for kind in kinds
    )
    return Dialog(name="start", steps=(who, *per_kind))
