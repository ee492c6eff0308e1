"""The app factory: the one place where adapters are chosen and wired (cosmicpython's
bootstrap). Everything opens in a cleanup context and closes with the app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.accounts.repository import SqlAccounts, make_engine
from bot.accounts.schema import migrate
from bot.after_reply import after_reply
from bot.bridge.wiring import PUSHES, open_signing, prepare_signing
from bot.config import ConfigError, Settings
from bot.dashboard import EVENTS, TRANSLATOR, add_dashboard
from bot.dialogs import all_dialogs
from bot.engine import DialogEngine
from bot.events import ConversationEvent, EventSink, MemorySink, RedisStreamSink
from bot.i18n import Translator
from bot.keys import SecretKeys, load_or_create_secret
from bot.metrics import METRICS, Metrics, log_turn
from bot.otp import OtpService
from bot.passwords import PasswordHasher
from bot.services import Services
from bot.state import MemoryCounters, MemoryStore, RedisCounters, RedisStore, SessionCodec
from bot.state import redis_client as make_redis
from bot.state.store import Counters, StateStore
from bot.telegram_channel import CHANNEL as TELEGRAM_CHANNEL
from bot.telegram_channel import (
    TELEGRAM,
    TelegramChannel,
    start_or_switch_off,
    telegram_webhook,
)
from bot.ussd import USSD, ChannelCodec, UssdGateway, ussd_endpoint
from integrations.clients import carrier_register, insured_register, sms_gateway
from integrations.http import RetryPolicy
from integrations.simulators import OnMessage, build_simulators_app, sample_people
from pki_bridge.testca import TestPki

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", DialogEngine)
SERVICES = web.AppKey("services", Services)


@dataclass(slots=True)
class Health:
    """What /healthz asks: the state store and the database."""

    checks: list[Callable[[], Any]] = field(default_factory=list)


HEALTH = web.AppKey("health", Health)


@dataclass(frozen=True, slots=True)
class Wiring:
    """How this process reaches itself and what the embedded default pre-loads."""

    self_url: str  # e.g. http://127.0.0.1:8080 - base of the mounted simulators
    on_sms: OnMessage | None = None
    samples: bool = False
    demo_pki: TestPki | None = None  # regbot demo: a test PKI trusted for USB tokens


def create_app(settings: Settings, wiring: Wiring) -> web.Application:
    """regbot's aiohttp application; channels add their routes to it."""
    settings.check()
    app = web.Application(middlewares=[after_reply])
    app[SETTINGS] = settings
    app[HEALTH] = Health()
    app[METRICS] = Metrics()
    # /sign/{token} and the push registry; the signing simulators when MSSP_URL is unset
    signing_sims = prepare_signing(app, settings, wiring.self_url, wiring.demo_pki)
    if settings.simulators_on:
        samples = sample_people() if wiring.samples else None
        app.add_subapp(
            "/sim", build_simulators_app(wiring.on_sms, samples=samples, extra=signing_sims)
        )
    app.cleanup_ctx.append(_runtime(settings, wiring))
    app.router.add_get("/healthz", healthz)
    add_dashboard(app, settings)
    if settings.telegram_bot_token:
        if settings.telegram_webhook_url:
            app.router.add_post("/telegram", telegram_webhook)
        app.cleanup_ctx.append(_telegram(settings))  # after the runtime: needs the engine
    app.router.add_post("/ussd", ussd_endpoint)
    return app


def _sim_url(wiring: Wiring, name: str, url: str | None) -> str:
    return url or f"{wiring.self_url.rstrip('/')}/sim/{name}"


def _runtime(
    settings: Settings, wiring: Wiring
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def runtime(app: web.Application) -> AsyncIterator[None]:
        secret = settings.secret_key or load_or_create_secret(settings.data_dir / "secret.key")
        keys = SecretKeys.from_secret(secret)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = make_engine(settings.accounts_url)
        try:
            await migrate(db)  # ConfigError when the database does not answer
        except ConfigError:
            await db.dispose()
            raise
        redis = make_redis(settings.redis_url) if settings.redis_url else None
        store: StateStore
        counters: Counters
        if redis is not None:
            store, counters = RedisStore(redis), RedisCounters(redis)
        else:
            store, counters = MemoryStore(), MemoryCounters()
        policy = RetryPolicy(timeout=settings.http_timeout)
        observe = app[METRICS].integration
        async with aiohttp.ClientSession() as http:
            accounts = SqlAccounts(db, keys)
            translator = Translator.load()
            signing = open_signing(
                app,
                settings,
                wiring.self_url,
                http=http,
                store=store,
                keys=keys,
                translator=translator,
                policy=policy,
                observe=observe,
            )
            services = Services(
                settings=settings,
                translator=translator,
                signing=signing,
                keys=keys,
                accounts=accounts,
                counters=counters,
                passwords=PasswordHasher(settings.password_hashing),
                otp=OtpService(keys.otp),
                # not measured: a count of SMS moves with one person's request (a code
                # sent when a forgot-password request matched an account); its
                # failures are logged
                sms=sms_gateway(http, _sim_url(wiring, "sms", settings.sms_url), policy=policy),
                carrier=carrier_register(
                    http,
                    _sim_url(wiring, "carrier", settings.carrier_url),
                    policy=policy,
                    observe=observe,
                ),
                insured=insured_register(
                    http,
                    _sim_url(wiring, "bhxh", settings.bhxh_url),
                    policy=policy,
                    observe=observe,
                ),
            )
            app[SERVICES] = services
            sink, flushing = _event_sink(redis)
            app[EVENTS], app[TRANSLATOR] = sink, translator
            app[ENGINE] = DialogEngine(
                all_dialogs(),
                services,
                store,
                SessionCodec(keys.sealer("dialog")),
                ttl_seconds=settings.session_ttl,
                observers=(
                    app[METRICS].turn,
                    log_turn,
                    lambda record: sink.emit(ConversationEvent.of(record)),
                ),
            )
            app[USSD] = UssdGateway(
                app[ENGINE],
                store,
                services.translator,
                ChannelCodec(keys.sealer("ussd"), keys.tokens),
                secret=settings.ussd_secret,
                ttl_seconds=settings.session_ttl,
            )
            signing.events.attach(app[ENGINE].handle, app[ENGINE].unfinished_step)
            app[HEALTH].checks.extend([accounts.ping, _store_ping(store)])
            try:
                async with flushing:
                    yield
            finally:
                await signing.events.close()
                if redis is not None:
                    await redis.aclose()
                await db.dispose()

    return runtime


def _telegram(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        channel = TelegramChannel(
            app[ENGINE],
            services.translator,
            settings.telegram_bot_token or "",
            api_url=settings.telegram_api_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=services.keys.token_for("telegram-webhook"),
        )
        if not await start_or_switch_off(channel):
            yield
            return
        app[TELEGRAM] = channel
        app[PUSHES].register(TELEGRAM_CHANNEL, channel.push)  # a signature completed
        try:
            yield
        finally:
            await channel.stop()

    return lifecycle


def _event_sink(redis: Redis | None) -> tuple[EventSink, AbstractAsyncContextManager[None]]:
    """Conversation events: a Redis stream all workers share, or this process's memory."""
    if redis is None:
        return MemorySink(), contextlib.nullcontext()
    sink = RedisStreamSink(redis)
    return sink, sink.running()


def _store_ping(store: StateStore) -> Callable[[], Any]:
    async def ping() -> bool:
        try:
            await store.load("healthz")
        except Exception:
            return False
        return True

    return ping


async def healthz(request: web.Request) -> web.Response:
    """200 when the state store and the database answer, 503 otherwise."""
    results = [await check() for check in request.app[HEALTH].checks]
    ok = bool(results) and all(results)
    return web.json_response({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)
