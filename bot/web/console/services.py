"""What the console's pages use, set on the main app by its cleanup contexts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from bot.config import Settings
from bot.i18n import Translator
from bot.support.agents import Agent, SqlAgents
from bot.support.desk import Desk
from bot.support.live import LiveBoard
from bot.support.store import SupportStore


@dataclass(frozen=True, slots=True)
class Support:
    settings: Settings
    translator: Translator
    agents: SqlAgents
    store: SupportStore
    desk: Desk
    board: LiveBoard
    session_key: bytes  # derived from REGBOT_SECRET_KEY (SecretKeys.console)


SUPPORT: Final = web.AppKey("support", Support)
AGENT: Final = web.RequestKey("agent", Agent)
