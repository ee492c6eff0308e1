"""`pytest tests/transcripts --update-transcripts` rewrites the recorded outputs (the
option itself is declared in `tests/conftest.py`)."""

from __future__ import annotations

import pytest


@pytest.fixture
def update_transcripts(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-transcripts"))
