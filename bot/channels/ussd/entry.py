"""The USSD channel as the app plugs it in: `POST /ussd`, always on, cannot push."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.bootstrap import Runtime
from bot.channels.base import Channel, ChannelEntry
from bot.channels.ussd.gateway import CHANNEL, USSD, UssdGateway, ussd_endpoint
from bot.channels.ussd.proof import CallerProof
from bot.channels.ussd.session import ChannelCodec
from bot.config import Settings


def ussd_app(settings: Settings) -> web.Application:
    app = web.Application()
    app.router.add_post("", ussd_endpoint)
    return app


@asynccontextmanager
async def open_ussd(app: web.Application, runtime: Runtime) -> AsyncIterator[Channel | None]:
    gateway = UssdGateway(
        runtime.engine,
        runtime.translator,
        ChannelCodec(runtime.keys.tokens),
        CallerProof(runtime.otp_codes, runtime.engine.now),
        secret=runtime.settings.ussd_secret,
    )
    app[USSD] = gateway
    yield gateway


ENTRY = ChannelEntry(
    name=CHANNEL,
    enabled=lambda settings: True,
    web_app=ussd_app,
    open=open_ussd,
    pushes=False,
)
