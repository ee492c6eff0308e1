"""The Zalo Official Account channel: webhook in, OA message API out, `/secret` page."""

from bot.channels.zalo.entry import ENTRY

__all__ = ["ENTRY"]
