"""The Zalo channel as the app plugs it in: on with `ZALO_APP_ID`; `POST /zalo`, the
`/secret/{token}` password page, pushes, and the simulator at `/sim/zalo` outside
production while `ZALO_API_URL` is unset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.bootstrap import Runtime
from bot.channels.base import SELF_URL, Channel, ChannelEntry
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.config import CHANNEL, simulated, zalo_config
from bot.channels.zalo.inbox import Inbox
from bot.channels.zalo.oa import OaMessages
from bot.channels.zalo.secret_links import SecretLinks
from bot.channels.zalo.secret_page import secret_app
from bot.channels.zalo.simulator import ZaloSimState, zalo_simulator
from bot.channels.zalo.tokens import TokenVault
from bot.channels.zalo.webhook import ZALO, ZALO_CONFIG, share_phone_image, zalo_webhook
from bot.config import Settings
from bot.metrics import METRICS
from integrations.http import JsonHttp, RetryPolicy


def zalo_app(settings: Settings) -> web.Application:
    app = web.Application()
    app.router.add_post("", zalo_webhook)
    app.router.add_get("/share-phone.png", share_phone_image)
    return app


def secret_pages(settings: Settings) -> web.Application:
    return secret_app()


def simulator_app(settings: Settings, self_url: str) -> web.Application | None:
    if not simulated(settings):
        return None
    config = zalo_config(settings, self_url)
    return zalo_simulator(ZaloSimState.of(config, [f"{self_url.rstrip('/')}/{CHANNEL}"]))


@asynccontextmanager
async def open_zalo(app: web.Application, runtime: Runtime) -> AsyncIterator[Channel | None]:
    settings = runtime.settings
    config = zalo_config(settings, app[SELF_URL])
    policy = RetryPolicy(timeout=settings.http_timeout)
    observe = app[METRICS].integration if METRICS in app else None
    async with aiohttp.ClientSession() as http:
        api = JsonHttp(http, config.api_url, system="zalo", policy=policy, observe=observe)
        oauth = JsonHttp(http, config.oauth_url, system="zalo_oauth", policy=policy)
        vault = TokenVault(runtime.store, runtime.keys.state, config, oauth)
        channel = ZaloChannel(
            runtime.engine,
            runtime.translator,
            Inbox(runtime.store, runtime.keys.sealer("zalo-inbox"), runtime.keys.tokens),
            OaMessages(api, vault, runtime.counters, per_second=settings.zalo_sends_per_second),
            SecretLinks(runtime.store, runtime.keys.state, runtime.keys.tokens),
            public_url=runtime.signing.public_url,
        )
        app[ZALO], app[ZALO_CONFIG] = channel, config
        try:
            yield channel
        finally:
            await channel.close()


ENTRY = ChannelEntry(
    name=CHANNEL,
    enabled=lambda settings: bool(settings.zalo_app_id),
    web_app=zalo_app,
    open=open_zalo,
    pushes=True,
    pages=(("/secret", secret_pages),),
    simulator=simulator_app,
)
