"""Prometheus metrics and the one-line-per-turn log, fed by engine and client observers.

Each app owns its `CollectorRegistry`: two apps in one process (tests) never share
counters, and nothing is registered at import time.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from bot.config import ConfigError, Settings
from bot.engine import TurnRecord
from integrations.http import NOT_FOUND, OK

turn_log = logging.getLogger("regbot.turn")

FINE: Final = (OK, NOT_FOUND)  # a 404 from a register is an answer, not an error


class Metrics:
    """Turns, replies by step, turn duration, integration latency and errors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter(
            "regbot_turns", "Dialog turns", ["channel", "outcome"], registry=self.registry
        )
        self.replies = Counter(
            "regbot_replies", "Replies by the step shown", ["step"], registry=self.registry
        )
        self.turn_seconds = Histogram(
            "regbot_turn_seconds",
            "Time of one dialog turn",
            ["channel"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.integration_seconds = Histogram(
            "regbot_integration_seconds",
            "Time of one call attempt to an external system",
            ["system"],
            registry=self.registry,
        )
        self.integration_errors = Counter(
            "regbot_integration_errors",
            "Failed call attempts to an external system",
            ["system", "outcome"],
            registry=self.registry,
        )

    def turn(self, record: TurnRecord) -> None:
        """Engine observer: count the turn and write its log line."""
        self.turns.labels(record.channel, record.outcome).inc()
        self.replies.labels(record.step_after or "none").inc()
        self.turn_seconds.labels(record.channel).observe(record.seconds)

    def integration(self, system: str, seconds: float, outcome: str) -> None:
        """Client observer (`integrations.http.Observe`): one call per attempt."""
        self.integration_seconds.labels(system).observe(seconds)
        if outcome not in FINE:
            self.integration_errors.labels(system, outcome).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def log_turn(record: TurnRecord) -> None:
    """Engine observer: one JSON line per turn - channel, steps, outcome, duration.

    TurnRecord carries no personal data (no user id, no text), so neither does the line.
    """
    if turn_log.isEnabledFor(logging.INFO):
        turn_log.info(
            json.dumps(
                {
                    "event": "turn",
                    "channel": record.channel,
                    "step_before": record.step_before,
                    "step": record.step_after,
                    "outcome": record.outcome,
                    "ms": round(record.seconds * 1000, 2),
                },
                separators=(",", ":"),
            )
        )


METRICS: Final = web.AppKey("metrics", Metrics)


def metrics_app(metrics: Metrics) -> web.Application:
    """`GET /metrics` on a listener of its own, never on the public port: what it counts
    is for the operator, and counts that move with one person's request (an SMS sent
    when a forgot-password request matched) must not reach the world."""

    async def endpoint(_: web.Request) -> web.Response:
        return await _exposition(metrics)

    app = web.Application()
    app.router.add_get("/metrics", endpoint)
    return app


def public_metrics_app(metrics: Metrics, settings: Settings) -> web.Application:
    """`/metrics` on the public port, as the contract lists it, guarded: with
    REGBOT_METRICS_TOKEN set, only for `Authorization: Bearer <token>`; without one, open
    in development and test (the embedded default) and absent in production, where the
    operator scrapes `regbot serve --metrics-port` on loopback instead."""
    token = settings.metrics_token

    async def guarded(request: web.Request) -> web.StreamResponse:
        if token:
            given = request.headers.get("Authorization", "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, f"Bearer {token}".encode()):
                return web.Response(status=401, text="Unauthorized")
        elif settings.production:
            raise web.HTTPNotFound()
        return await _exposition(metrics)

    app = web.Application()
    app.router.add_get("", guarded)
    return app


async def _exposition(metrics: Metrics) -> web.Response:
    response = web.Response(body=metrics.exposition())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response


def metrics_listener(
    host: str, port: int, *, reuse_port: bool = False
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context serving the app's metrics on `host:port` while the app runs."""

    async def listener(app: web.Application) -> AsyncIterator[None]:
        runner = web.AppRunner(metrics_app(app[METRICS]), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            problem = f"the metrics port {host}:{port} cannot be opened: {exc.strerror}"
            raise ConfigError(problem) from None
        try:
            yield
        finally:
            await runner.cleanup()

    return listener
