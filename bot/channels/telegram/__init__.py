"""The Telegram channel (python-telegram-bot as a transport)."""

from bot.channels.telegram.entry import ENTRY

__all__ = ["ENTRY"]
