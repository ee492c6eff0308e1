"""Shared fixtures: real Redis and PostgreSQL when the machine has them.

Without them those tests skip with the reason - unless REGBOT_REQUIRE_SERVICES=1
(as in `.ci/run`), where a missing service fails the test instead.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "REGBOT_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _require(url: str, port: int, what: str) -> str:
    if _reachable(url, port):
        return url
    reason = f"{what} is not reachable at {url}"
    if os.environ.get("REGBOT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and REGBOT_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis (tests must use keys under a unique prefix and clean up)."""
    return _require(REDIS_URL, 6379, "Redis")


@pytest.fixture
def postgres_url() -> str:
    """URL of the real PostgreSQL database `test`."""
    return _require(POSTGRES_URL, 5432, "PostgreSQL")
