"""`POST /zalo`: a signed event is queued and acknowledged at once (Zalo waits 2 s at most
and retries otherwise); the turn runs after. A missing or wrong signature, or (in
production) a signed event whose `timestamp` is outside the window (a replay): 401,
nothing done."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from aiohttp import web

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.config import ZaloConfig
from bot.channels.zalo.events import SIGNATURE_HEADER, parse_event, timely, verified
from bot.state.store import StoreUnavailable
from bot.web.bodies import UnreadableBody, read_bytes

ZALO = web.AppKey("zalo", ZaloChannel)
ZALO_CONFIG = web.AppKey("zalo_config", ZaloConfig)


async def zalo_webhook(request: web.Request) -> web.Response:
    channel, config = request.config_dict.get(ZALO), request.config_dict.get(ZALO_CONFIG)
    if channel is None or config is None:
        return web.json_response({"error": "zalo is unavailable"}, status=503)
    try:
        body = await read_bytes(request)
    except UnreadableBody:  # as any body that is not a signed event
        return web.json_response({"error": "bad signature"}, status=401)
    header = request.headers.get(SIGNATURE_HEADER, "")
    event = verified(body, header, config.app_id, config.oa_secret_key)
    if event is None:
        return web.json_response({"error": "bad signature"}, status=401)
    now = channel.engine.now().timestamp()
    if not timely(event, now, config.event_max_age):  # signed once, sent again (production)
        return web.json_response({"error": "stale event"}, status=401)
    parsed = parse_event(event)
    if parsed is not None:
        try:
            await channel.accept(parsed)
        except StoreUnavailable:  # not queued: Zalo delivers it again
            return web.json_response({"error": "try again"}, status=503)
    return web.json_response({"ok": True})


async def share_phone_image(request: web.Request) -> web.Response:
    """The picture the `request_user_info` template shows (Zalo asks for one)."""
    return web.Response(
        body=_png(), content_type="image/png", headers={"Cache-Control": "max-age=86400"}
    )


@cache
def _png(width: int = 96, height: int = 96) -> bytes:
    """A plain square in the portal's red: no image file to ship, no CDN."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes((0xA4, 0x16, 0x1A)) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
