"""The ways around a dialog that every step offers: cancel, home, help, back, language,
show again. None of them runs a step's action."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogs.draft import Draft
from bot.engine.graph import START_STEP
from bot.engine.messages import Action, Inbound, Reply
from bot.engine.spec import Step, StepContext
from bot.i18n import LANGUAGES, Msg, msg
from bot.state.session import DialogSession

Show = Callable[[DialogSession, StepContext, Msg | None], Reply]


def navigate(
    dialog: DialogSession, step: Step, ctx: StepContext, inbound: Inbound, show: Show
) -> Reply | None:
    """The reply to a navigation action, or None when the input is an answer (or a
    resume) for the step itself."""
    action = inbound.action
    if action is Action.CANCEL:
        dialog.draft = Draft()
        return Reply(texts=(msg("engine.cancelled"),), lang=dialog.lang, step=step.name, end=True)
    if action is Action.HOME:
        restart(dialog)
        return show(dialog, ctx, None)
    if action is Action.HELP:
        return show(dialog, ctx, step.help)
    if action is Action.BACK:
        if not dialog.history:
            return show(dialog, ctx, msg("engine.cannot_go_back"))
        dialog.step = dialog.history.pop()
        return show(dialog, ctx, None)
    if action is Action.LANGUAGE:
        if inbound.text not in LANGUAGES:  # `/lang fr`, `/lang`: say which there are
            return show(dialog, ctx, msg("engine.unknown_language"))
        dialog.lang = ctx.lang = inbound.text
        return show(dialog, ctx, None)
    if action is Action.SHOW:
        return show(dialog, ctx, None)
    return None


def restart(dialog: DialogSession) -> None:
    """Back to the first screen; what the dialog held is forgotten."""
    dialog.draft = Draft()
    dialog.history.clear()
    dialog.step = START_STEP
    dialog.method = ""
