"""What a simulator was asked for, by record key: a test that loads a record its story
never uses has a dead fixture, and fails on it (goflow's unused-mock rule)."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

LOOKUPS = web.AppKey("lookups", Counter[str])


def count_lookup(request: web.Request, key: str) -> None:
    """Note that `key` (a phone number, a BHXH code) was asked for, found or not."""
    request.app[LOOKUPS][key] += 1


async def show_lookups(request: web.Request) -> web.Response:
    """Control: `GET /lookups` -> `{"<key>": <times asked>, ...}`."""
    asked: Counter[str] = request.app[LOOKUPS]
    return web.json_response(dict(asked))


def add_lookup_counter(app: web.Application) -> None:
    app[LOOKUPS] = Counter()
    app.router.add_get("/lookups", show_lookups)
