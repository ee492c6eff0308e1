"""Registration dialogs: one module per method of the guide, plus the shared steps."""

from __future__ import annotations

from bot.dialogs import mobile
from bot.dialogs.common import COMMON_STEPS
from bot.dialogs.spec import Dialog
from bot.dialogs.start import build_start


def all_dialogs() -> list[Dialog]:
    """Every dialog regbot runs, the first screens built from the methods offered."""
    methods = [mobile.DIALOG]
    return [build_start(methods), Dialog("common", COMMON_STEPS), *methods]
