"""`Invalid`: how a validator refuses an input. It lives with the validators (which raise
it) rather than with the engine (which catches it), so validation imports nothing of
the dialogs or the engine."""

from __future__ import annotations

from bot.i18n import Msg


class Invalid(Exception):
    """The input is refused; the message says why and how to fix it."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message
