"""The USSD channel: the gateway endpoint, its per-caller state and its screens."""

from bot.channels.ussd.entry import ENTRY

__all__ = ["ENTRY"]
