"""The USSD channel: the gateway endpoint, its per-caller state and its screens."""

from bot.channels.ussd.gateway import CHANNEL, USSD, UssdGateway, ussd_endpoint
from bot.channels.ussd.request import BadUssdRequest, UssdRequest, parse_form
from bot.channels.ussd.screen import PAGE_LIMIT, SCREEN_LIMIT, paginate, reply_lines, reply_pages
from bot.channels.ussd.session import ChannelCodec, ChannelState

__all__ = [
    "CHANNEL",
    "PAGE_LIMIT",
    "SCREEN_LIMIT",
    "USSD",
    "BadUssdRequest",
    "ChannelCodec",
    "ChannelState",
    "UssdGateway",
    "UssdRequest",
    "paginate",
    "parse_form",
    "reply_lines",
    "reply_pages",
    "ussd_endpoint",
]
