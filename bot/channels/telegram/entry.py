"""The Telegram channel as the app plugs it in: on with `TELEGRAM_BOT_TOKEN`; `POST
/telegram` in webhook mode; pushes (a signature completed continues the chat)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.bootstrap import Runtime
from bot.channels.base import Channel, ChannelEntry
from bot.channels.telegram.channel import (
    CHANNEL,
    TELEGRAM,
    TelegramChannel,
    start_or_switch_off,
    telegram_webhook,
)
from bot.config import Settings


def telegram_app(settings: Settings) -> web.Application:
    """`POST /telegram`: only in webhook mode (polling needs no HTTP surface)."""
    app = web.Application()
    if settings.telegram_webhook_url:
        app.router.add_post("", telegram_webhook)
    return app


@asynccontextmanager
async def open_telegram(app: web.Application, runtime: Runtime) -> AsyncIterator[Channel | None]:
    settings = runtime.settings
    channel = TelegramChannel(
        runtime.engine,
        runtime.translator,
        settings.telegram_bot_token or "",
        api_url=settings.telegram_api_url,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=runtime.keys.token_for("telegram-webhook"),
    )
    if not await start_or_switch_off(channel):
        yield None  # the Bot API did not answer: the rest of the service stays up
        return
    app[TELEGRAM] = channel
    try:
        yield channel
    finally:
        await channel.stop()


ENTRY = ChannelEntry(
    name=CHANNEL,
    enabled=lambda settings: bool(settings.telegram_bot_token),
    web_app=telegram_app,
    open=open_telegram,
    pushes=True,
)
