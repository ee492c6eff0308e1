"""The database fixtures of `tests.support.databases` and the state adapters of
`tests.support.state_adapters`, for every integration test."""

from tests.support.databases import database, postgres_database, sqlite_database
from tests.support.state_adapters import adapter, memory_adapter, redis_adapter, redis_prefix

__all__ = [
    "adapter",
    "database",
    "memory_adapter",
    "postgres_database",
    "redis_adapter",
    "redis_prefix",
    "sqlite_database",
]
