"""The one error policy for a step's action: a failing system is "try again later", a bug
is "internal error" (and an exit the action did not declare is a bug); either way the
person stays at the step with what they typed."""

from __future__ import annotations

import logging
from typing import Any, Final

from bot.accounts.model import AccountsUnavailable
from bot.engine.answer import Refusal
from bot.engine.spec import STAY, Act, Outcome, StepContext
from bot.i18n import msg
from bot.state.store import StoreUnavailable
from integrations.errors import IntegrationRejected, IntegrationUnavailable

log = logging.getLogger("regbot.engine")

# a 4xx from an external system is not the person's fault either: "try again later"
TRY_AGAIN_ERRORS: Final = (
    IntegrationUnavailable,
    IntegrationRejected,
    AccountsUnavailable,
    StoreUnavailable,
)


async def run_act(act: Act, ctx: StepContext, value: Any, where: str) -> Outcome | Refusal:
    """Run a step's action; a failing system is "try again later", a bug "internal error",
    and either way the person stays at the step with what they typed."""
    try:
        outcome = await act(ctx, value)
    except TRY_AGAIN_ERRORS as exc:  # the type and the system only: no personal data
        log.warning("%s at %s (%s)", type(exc).__name__, where, getattr(exc, "system", "-"))
        return Refusal(msg("engine.try_again_later"))
    except Exception:
        log.exception("action failed at %s", where)
        return Refusal(msg("engine.internal_error"))
    if outcome.exit != STAY and outcome.exit not in act.exits:  # a bug: not declared
        log.error("%s returned the undeclared exit %s at %s", act.name, outcome.exit, where)
        return Refusal(msg("engine.internal_error"))
    return outcome
