"""`/console`: the support agents' console (aiohttp sub-app): sign-in, the live list,
finding a caller, their masked transcript, help, the funnel and the audit log."""

from bot.web.console.app import SUPPORT, Support, console_app

__all__ = ["SUPPORT", "Support", "console_app"]
