"""Dialog state: the StateStore and Counters ports, the conversation record and its key
format. Adapters are imported where they are used: `bot.state.memory`, `bot.state.redis`."""

from bot.state.keys import KeyBuilder, StateKey
from bot.state.session import (
    ConversationRecord,
    DialogSession,
    RecordCodec,
    UnreadableSession,
)
from bot.state.store import Counters, Spend, StateStore, StoreUnavailable

__all__ = [
    "ConversationRecord",
    "Counters",
    "DialogSession",
    "KeyBuilder",
    "RecordCodec",
    "Spend",
    "StateKey",
    "StateStore",
    "StoreUnavailable",
    "UnreadableSession",
]
