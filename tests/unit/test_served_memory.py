"""What `regbot serve` builds to start is kept out of the garbage collector's way."""

from __future__ import annotations

import gc

from aiohttp import web

from bot.config import Settings
from bot.serve import build, freeze_what_startup_made


async def test_the_served_app_freezes_what_its_start_built_after_everything_started():
    """A full collection walked every object the process had built to start: 108-115 ms
    with the event loop stopped, every few seconds at saturation."""
    app = build(Settings.from_env({}), "127.0.0.1", 8080)
    assert app.on_startup[-1] is freeze_what_startup_made  # after every cleanup context
    gc.unfreeze()
    try:
        await freeze_what_startup_made(web.Application())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
