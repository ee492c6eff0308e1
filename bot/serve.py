"""`regbot serve`: the aiohttp application as a service, with graceful shutdown."""

from __future__ import annotations

import logging
import sys
from typing import Final, TextIO

from aiohttp import web

from bot.app import Wiring, create_app
from bot.config import ConfigError, Settings

SHUTDOWN_SECONDS: Final = 30.0  # turns in flight get this long to finish on SIGTERM
_ANY_ADDRESS: Final = ("", "0.0.0.0", "::")  # noqa: S104 - recognised, not bound


def self_url(host: str, port: int) -> str:
    """How this process reaches itself (the simulators it mounts)."""
    reachable = "127.0.0.1" if host in _ANY_ADDRESS else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def configure_logging(stream: TextIO = sys.stderr) -> None:
    """Turn lines (JSON, no personal data) as they are; everything else timestamped."""
    turns = logging.getLogger("regbot.turn")
    turns.setLevel(logging.INFO)
    turns.propagate = False
    if not turns.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        turns.addHandler(handler)


def build(settings: Settings, host: str, port: int) -> web.Application:
    """The served app: with simulators on, the sample people are pre-loaded (demo)."""
    return create_app(settings, Wiring(self_url=self_url(host, port), samples=True))


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080) -> int:
    """Run until SIGINT/SIGTERM; exit status 2 when the settings refuse to start.

    On a signal the listening socket closes first, requests in flight finish (up to
    SHUTDOWN_SECONDS), then the cleanup contexts close Redis, the database and HTTP.
    """
    try:
        settings.check()
        app = build(settings, host, port)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging()
    log = logging.getLogger("regbot.serve")
    if settings.simulators_on:
        log.warning("simulators mounted under /sim for: %s", ", ".join(settings.simulated))
    web.run_app(
        app,
        host=host,
        port=port,
        shutdown_timeout=SHUTDOWN_SECONDS,
        access_log=None,  # query strings may carry the USSD secret; turns are logged instead
        print=lambda line: print(line, file=sys.stderr, flush=True),
    )
    return 0
