"""`pytest tests/transcripts --update-transcripts` rewrites the recorded outputs."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-transcripts",
        action="store_true",
        default=False,
        help="rewrite the outputs of tests/transcripts/stories/*.json from this run",
    )


@pytest.fixture
def update_transcripts(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-transcripts", default=False))
