"""The database fixtures of `tests.support.databases`, for every integration test."""

from tests.support.databases import database, postgres_database, sqlite_database

__all__ = ["database", "postgres_database", "sqlite_database"]
