"""The channels regbot serves over HTTP, one entry each (the terminal chat is the demo's)."""

from __future__ import annotations

from typing import Final

from bot.channels.base import ChannelEntry
from bot.channels.telegram import ENTRY as TELEGRAM
from bot.channels.ussd import ENTRY as USSD
from bot.channels.zalo import ENTRY as ZALO

CHANNELS: Final[tuple[ChannelEntry, ...]] = (USSD, TELEGRAM, ZALO)
