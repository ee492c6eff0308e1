"""Registration dialogs: one module per method of the guide, plus the shared steps."""

from __future__ import annotations

from bot.dialogs import bhxh, forgot_password, mobile, sim, usb
from bot.dialogs.common import COMMON_STEPS, OTHER_WAYS_METHOD
from bot.dialogs.start import build_start
from bot.engine.spec import Dialog


def all_dialogs() -> list[Dialog]:
    """Every dialog regbot runs, the first screens built from the methods offered.

    Methods without a registrant kind (forgot password, other ways) sit directly on
    the first screen, after the kinds.
    """
    methods = [mobile.DIALOG, bhxh.DIALOG, sim.DIALOG, usb.DIALOG]
    common = Dialog("common", COMMON_STEPS, methods=(OTHER_WAYS_METHOD,))
    entries = [forgot_password.DIALOG, common]
    return [build_start([*methods, *entries]), *entries, *methods]
