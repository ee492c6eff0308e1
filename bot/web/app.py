"""The app factory: regbot's aiohttp application. Each resource (database, Redis, HTTP
client session, event sink) opens in its own cleanup context and closes in reverse; the
runtime is then wired by the pure `bot.bootstrap` and the channels plug in from
`bot.channels.registry`. Web surfaces are sub-apps: `/sign`, `/console` (support agents;
`/dashboard` redirects there), `/healthz`, each channel's `/{name}`, and `/sim` while
simulators are on. `/metrics` is guarded there (a token, or development only); `regbot
serve --metrics-port` serves it on a listener of its own (`bot.metrics`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.repository import SqlAccounts, make_engine
from bot.accounts.schema import SchemaKeeper
from bot.after_reply import after_reply
from bot.bootstrap import Adapters, Runtime, bootstrap
from bot.channels.base import SELF_URL, Channel, ChannelEntry, PushingChannel
from bot.channels.registry import CHANNELS
from bot.config import ConfigError, Settings
from bot.events import ConversationEvent, EventSink, MemorySink, RedisStreamSink
from bot.keys import SecretKeys, load_or_create_secret
from bot.metrics import METRICS, Metrics, log_turn, public_metrics_app
from bot.passwords import PasswordHasher, PasswordPool, default_threads
from bot.signing.ports import IdentityCheck
from bot.state.keys import KeyBuilder
from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.pipelining import ScriptPipeline
from bot.state.redis import RedisCounters, RedisStore, redis_client
from bot.support.agents import SqlAgents
from bot.support.desk import Desk
from bot.support.live import LiveBoard
from bot.support.records import Recorder
from bot.support.store import SupportStore
from bot.systems import SYSTEMS
from bot.web.console import SUPPORT, Support, console_app
from bot.web.console.app import dashboard_redirect
from bot.web.health import HEALTH, Health, health_app
from bot.web.signing import SIGNING, signing_app
from bot.web.signing_page import PageTools
from bot.web.simulation import Simulation, simulation
from integrations.http import RetryPolicy
from integrations.simulators import OnMessage
from pki_bridge.revocation import RevocationSource
from pki_bridge.testing.testca import TestPki
from pki_bridge.validation import CertificateChecker

SETTINGS: Final = web.AppKey("settings", Settings)
RUNTIME: Final = web.AppKey("runtime", Runtime)
CHANNEL_OBJECTS: Final = web.AppKey("channels", dict[str, Channel])
_SIMULATION: Final = web.AppKey("simulation", Simulation)
_DATABASE: Final = web.AppKey("database", AsyncEngine)
_REDIS: Final = web.AppKey("redis", Redis)
_HTTP: Final = web.AppKey("http", aiohttp.ClientSession)
_KEYS: Final = web.AppKey("keys", SecretKeys)
PASSWORDS: Final = web.AppKey("passwords", PasswordPool)
CONSOLE_PASSWORDS: Final = web.AppKey("console_passwords", PasswordPool)  # sign-ins only
SIGN_IN_THREADS: Final = 1
SIGN_IN_QUEUE: Final = 4  # sign-ins waiting for the thread before "try again in a moment"
EVENTS: Final = web.AppKey("events", EventSink)
_RECORDER: Final = web.AppKey("recorder", Recorder)


@dataclass(frozen=True, slots=True)
class Wiring:
    """How this process reaches itself and what the embedded default pre-loads."""

    self_url: str  # e.g. http://127.0.0.1:8080 - base of the mounted simulators
    on_sms: OnMessage | None = None
    samples: bool = False
    demo_pki: TestPki | None = None  # regbot demo: a test PKI trusted for USB tokens


def create_app(settings: Settings, wiring: Wiring) -> web.Application:
    """regbot's aiohttp application (nothing connects until it starts)."""
    settings.check()
    app = web.Application(middlewares=[after_reply])
    app[SETTINGS] = settings
    app[HEALTH] = Health()
    app[METRICS] = Metrics()
    app[CHANNEL_OBJECTS] = {}
    app[SELF_URL] = wiring.self_url
    enabled = [entry for entry in CHANNELS if entry.enabled(settings)]
    platforms = {  # a channel's platform simulator (Zalo's OA API and its users)
        entry.name: sim_app
        for entry in enabled
        if entry.simulator is not None and not settings.production
        if (sim_app := entry.simulator(settings, wiring.self_url)) is not None
    }
    simulated = simulation(
        settings, wiring.self_url, wiring.on_sms, wiring.samples, wiring.demo_pki, platforms
    )
    app[_SIMULATION] = simulated
    if simulated.web_app is not None:
        app.add_subapp("/sim", simulated.web_app)
    app.cleanup_ctx.extend(
        [
            _keys,
            _database,
            _redis,
            _http,
            _event_sink,
            _passwords,
            _runtime(wiring.self_url),
            _recorder,
            _console,
        ]
    )
    app.add_subapp(
        "/sign", signing_app(PageTools(settings.signing_tools, development=not settings.production))
    )
    app.add_subapp("/console", console_app(settings))
    app.add_subapp("/dashboard", dashboard_redirect())
    app.add_subapp("/healthz", health_app())
    app.add_subapp("/metrics", public_metrics_app(app[METRICS], settings))
    for entry in enabled:
        if entry.web_app is not None:
            app.add_subapp(f"/{entry.name}", entry.web_app(settings))
        for path, page in entry.pages:
            app.add_subapp(path, page(settings))
        app.cleanup_ctx.append(_channel(entry))
    return app


# -- one resource per cleanup context (exited in reverse) ------------------------------


async def _keys(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = settings.secret_key or load_or_create_secret(settings.data_dir / "secret.key")
    app[_KEYS] = SecretKeys.from_secret(secret)
    yield


async def _database(app: web.Application) -> AsyncIterator[None]:
    """The accounts database; one that does not answer yet is migrated once it does
    (`SchemaKeeper`), and /healthz says 503 until then. A URL that is no database
    address stops the start (ConfigError)."""
    db = make_engine(app[SETTINGS].accounts_url)
    keeper = SchemaKeeper(db)
    await keeper.start()
    app[HEALTH].checks.append(keeper.healthy)
    app[_DATABASE] = db
    yield
    await keeper.close()
    await db.dispose()


async def _redis(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    if url is None:
        yield
        return
    try:
        client = redis_client(url)
    except ValueError as exc:  # the URL is not named: it may carry a password
        raise ConfigError(
            "REDIS_URL is not a Redis address: use redis://host:6379/0 (or rediss://, unix://)"
        ) from exc
    # Not pinged: a Redis that does not answer yet is like one that goes away later
    # (/healthz 503, "try again" for each turn), and the service is there when it comes.
    app[_REDIS] = client
    yield
    await client.aclose()


async def _http(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as http:
        app[_HTTP] = http
        yield


async def _event_sink(app: web.Application) -> AsyncIterator[None]:
    """Conversation events: a Redis stream all workers share, or this process's memory."""
    redis = app.get(_REDIS)
    if redis is None:
        app[EVENTS] = MemorySink()
        yield
        return
    sink = RedisStreamSink(redis)
    app[EVENTS] = sink
    async with sink.running():
        yield


async def _passwords(app: web.Application) -> AsyncIterator[None]:
    """One argon2id pool per process, closed after the turns that use it."""
    settings = app[SETTINGS]
    pool = PasswordPool(
        PasswordHasher(settings.password_cost),
        confirmation_key=app[_KEYS].token_for("password confirmation").encode(),
        threads=settings.password_threads or default_threads(),
        queue_limit=settings.password_queue,
    )
    app[METRICS].watch(pool)
    app[PASSWORDS] = pool
    yield
    pool.close()


def _runtime(self_url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def runtime(app: web.Application) -> AsyncIterator[None]:
        settings, keys = app[SETTINGS], app[_KEYS]
        adapters = _adapters(app, self_url)
        sink: EventSink = app[EVENTS]
        built = bootstrap(
            settings,
            adapters,
            keys=keys,
            public_url=settings.public_url or self_url,
            observers=(
                app[METRICS].turn,
                log_turn,
                lambda record: sink.emit(ConversationEvent.of(record)),
            ),
        )
        app[RUNTIME] = built
        app[SIGNING] = built.signing
        app[HEALTH].checks.extend([adapters.accounts.ping, _store_ping(adapters)])
        try:
            async with built.resumes.consuming(built.engine.resume):
                yield
        finally:
            await built.close()

    return runtime


async def _recorder(app: web.Application) -> AsyncIterator[None]:
    """Transcripts, events and the keyed-hash index into the database, in the background."""
    runtime = app[RUNTIME]
    recorder = Recorder(
        SupportStore(app[_DATABASE], runtime.keys), runtime.translator, runtime.keys
    )
    runtime.engine.add_observer(recorder.observe)
    app[_RECORDER] = recorder
    async with recorder.running():
        yield


async def _console(app: web.Application) -> AsyncIterator[None]:
    """The support console's services; its live board follows every worker's events.

    Sign-ins hash in a pool of their own, one niced thread and a short queue: anyone can
    post the sign-in form, and 300 at once on the default executor slowed citizens'
    turns from 6 to 142 ms; past the queue a sign-in is told to try again in a moment."""
    runtime, settings = app[RUNTIME], app[SETTINGS]
    store = SupportStore(app[_DATABASE], runtime.keys)
    board = LiveBoard(app[EVENTS], settings.session_ttl)
    sign_ins = PasswordPool(
        PasswordHasher(settings.password_cost),
        confirmation_key=app[_KEYS].token_for("console sign-in").encode(),  # not used
        threads=SIGN_IN_THREADS,
        queue_limit=SIGN_IN_QUEUE,
    )
    app[CONSOLE_PASSWORDS] = sign_ins
    app[SUPPORT] = Support(
        settings=settings,
        translator=runtime.translator,
        agents=SqlAgents(app[_DATABASE], sign_ins),
        store=store,
        desk=Desk(
            runtime.engine, runtime.pushes, store, app[_RECORDER], KeyBuilder(runtime.keys.tokens)
        ),
        board=board,
        session_key=runtime.keys.console,
    )
    try:
        async with board.running():
            yield
    finally:
        sign_ins.close()


def _adapters(app: web.Application, self_url: str) -> Adapters:
    """The real adapters over this app's resources; a simulated system's client talks to
    its simulator over HTTP like any other."""
    settings, http, sim = app[SETTINGS], app[_HTTP], app[_SIMULATION]
    redis = app.get(_REDIS)
    policy = RetryPolicy(timeout=settings.http_timeout)
    observe = app[METRICS].integration
    clients = {
        system.name: system.client(
            http,
            settings.url_of(system.name) or f"{self_url.rstrip('/')}/sim/{system.name}",
            policy,
            # SMS are not measured: a count of them moves with one person's request (a
            # code sent when a forgot-password request matched); failures are logged
            None if system.name == "sms" else observe,
        )
        for system in SYSTEMS
    }
    revocation = RevocationSource(http)  # certvalidator's fetchers over the app's session
    public, gov = sim.trust_anchors(settings)
    scripts = ScriptPipeline(redis) if redis is not None else None  # store and counters share
    return Adapters(
        store=RedisStore(redis, scripts=scripts) if redis is not None else MemoryStore(),
        counters=RedisCounters(redis, scripts=scripts) if redis is not None else MemoryCounters(),
        accounts=SqlAccounts(app[_DATABASE], app[_KEYS]),
        sms=clients["sms"],
        carrier=clients["carrier"],
        insured=clients["bhxh"],
        mssp=clients["mssp"],
        public_certificates=CertificateChecker(public, revocation),
        gov_certificates=CertificateChecker(gov, revocation, official=True),
        passwords=app[PASSWORDS],
    )


def _channel(entry: ChannelEntry) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        runtime = app[RUNTIME]
        async with entry.open(app, runtime) as channel:
            if channel is not None:
                app[CHANNEL_OBJECTS][entry.name] = channel
                if entry.pushes and isinstance(channel, PushingChannel):
                    runtime.pushes.register(entry.name, channel.push)
            yield

    return lifecycle


def _store_ping(adapters: Adapters) -> Callable[[], Awaitable[bool]]:
    async def ping() -> bool:
        try:
            await adapters.store.load("healthz")
        except Exception:
            return False
        return True

    return ping


_: type[IdentityCheck] = CertificateChecker  # mypy: the real checker fits the port
