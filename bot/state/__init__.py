"""Dialog state: the StateStore port, its memory and Redis adapters, the session model."""

from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.redis import RedisCounters, RedisStore, redis_client
from bot.state.session import DialogSession, SessionCodec, SessionKey, UnreadableSession
from bot.state.store import Counters, Spend, StateStore, StoreUnavailable

__all__ = [
    "Counters",
    "DialogSession",
    "MemoryCounters",
    "MemoryStore",
    "RedisCounters",
    "RedisStore",
    "SessionCodec",
    "SessionKey",
    "Spend",
    "StateStore",
    "StoreUnavailable",
    "UnreadableSession",
    "redis_client",
]
