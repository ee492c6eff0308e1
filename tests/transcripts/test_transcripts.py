"""Transcript tests (goflow's runner tests): every story in `stories/` is replayed over
the terminal, USSD and Telegram, and what each channel showed must be what its file
recorded. `pytest tests/transcripts --update-transcripts` records it instead, so a
wording change is a reviewed diff. A fixture the story never used fails either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transcripts.runner import check
from tests.transcripts.story import Story, all_stories


@pytest.mark.parametrize(
    ("story", "channel"),
    [
        pytest.param(story, channel, id=f"{story.name}-{channel}")
        for story in all_stories()
        for channel in story.channels
    ],
)
async def test_story(story: Story, channel: str, tmp_path: Path, update_transcripts: bool) -> None:
    await check(story, channel, tmp_path, update=update_transcripts)
