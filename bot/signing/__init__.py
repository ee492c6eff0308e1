"""The signing bridge inside regbot: the signing ports dialogs use, one-time signing links,
and the events that continue a conversation when a signature arrives."""

from bot.signing.events import CHECK_CHOICE, SigningEvents
from bot.signing.links import LinkRecord, LinkState, SigningLinks
from bot.signing.ports import IdentityCheck, Signing

__all__ = [
    "CHECK_CHOICE",
    "IdentityCheck",
    "LinkRecord",
    "LinkState",
    "Signing",
    "SigningEvents",
    "SigningLinks",
]
