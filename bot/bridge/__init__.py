"""The signing bridge: the signing ports dialogs use, one-time `/sign/{token}` links, events."""

from bot.bridge.events import ChannelPushes, Push, SigningEvents
from bot.bridge.links import LinkRecord, LinkState, SigningLinks
from bot.bridge.ports import IdentityCheck, Signing
from bot.bridge.web import SIGNING, add_signing_routes

__all__ = [
    "SIGNING",
    "ChannelPushes",
    "IdentityCheck",
    "LinkRecord",
    "LinkState",
    "Push",
    "Signing",
    "SigningEvents",
    "SigningLinks",
    "add_signing_routes",
]
