"""Dialog state: the StateStore port, its memory and Redis adapters, the session model."""

from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.session import DialogSession, SessionCodec, SessionKey, UnreadableSession
from bot.state.store import Counters, StateStore, StoreUnavailable

__all__ = [
    "Counters",
    "DialogSession",
    "MemoryCounters",
    "MemoryStore",
    "SessionCodec",
    "SessionKey",
    "StateStore",
    "StoreUnavailable",
    "UnreadableSession",
]
