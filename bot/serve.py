"""`regbot serve`: the aiohttp application as a service, with graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import gc
import ipaddress
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TextIO

from aiohttp import web

from bot.accounts.schema import DatabaseUnreachable, migrate
from bot.config import ConfigError, Settings
from bot.metrics import metrics_listener
from bot.passwords import default_threads
from bot.web.app import Wiring, create_app

SHUTDOWN_SECONDS: Final = 30.0  # turns in flight get this long to finish on SIGTERM
_ANY_ADDRESS: Final = ("", "0.0.0.0", "::")  # noqa: S104 - recognised, not bound


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def listen_hosts(settings: Settings, host: str) -> list[str]:
    """Where to listen: `host`, and the loopback too when simulators are mounted and `host`
    is another address - they answer this machine only, regbot's own clients included."""
    if settings.simulators_on and host not in _ANY_ADDRESS and not _loopback(host):
        return [host, "127.0.0.1"]
    return [host]


def self_url(host: str, port: int) -> str:
    """How this process reaches itself (the simulators it mounts): over the loopback
    unless it listens on one loopback address only."""
    reachable = host if _loopback(host) else "127.0.0.1"
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


@dataclass(frozen=True, slots=True)
class Listener:
    """Where a side listener (metrics) binds."""

    host: str
    port: int


def build(
    settings: Settings,
    host: str,
    port: int,
    metrics: Listener | None = None,
    *,
    reuse_port: bool = False,
) -> web.Application:
    """The served app: with simulators on, the sample people are pre-loaded (demo); with
    `metrics`, /metrics on a listener of its own (never on the public port)."""
    app = create_app(settings, Wiring(self_url=self_url(host, port), samples=True))
    if metrics is not None:
        # first: a port it cannot open stops the start before anything else has started
        # (aiohttp does not clean up the contexts entered before a failing one)
        listener = metrics_listener(metrics.host, metrics.port, reuse_port=reuse_port)
        app.cleanup_ctx.insert(0, listener)
    app.on_startup.append(freeze_what_startup_made)  # after every cleanup context's start
    return app


async def freeze_what_startup_made(_: web.Application) -> None:
    """What the process built to start (modules, the dialog graph, catalogs, SQLAlchemy's
    compiled statements) lives as long as it does: out of the collector's generations, a
    full collection no longer walks it. At saturation those collections had stopped the
    event loop for 108-115 ms each, every few seconds (see the README's benchmarks)."""
    gc.collect()
    gc.freeze()


def check_workers(settings: Settings, workers: int) -> None:
    """Several processes need state they can share: Redis, and real external systems."""
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if workers == 1:
        return
    if not settings.redis_url:
        raise ConfigError("--workers > 1 needs REDIS_URL: in-memory state is per process")
    if settings.simulated:
        raise ConfigError(
            "--workers > 1 needs the *_URL of every external system: simulators keep their "
            "data in process memory (unset: " + ", ".join(settings.simulated) + ")"
        )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    *,
    metrics: Listener | None = None,
) -> int:
    """Run until SIGINT/SIGTERM; exit status 2 when the settings refuse to start.

    On a signal the listening socket closes first, requests in flight finish (up to
    SHUTDOWN_SECONDS), then the cleanup contexts close Redis, the database and HTTP.
    With `workers` > 1, that many processes share the port (SO_REUSEPORT): one Python
    process uses one core.
    """
    try:
        settings.check()
        check_workers(settings, workers)
        if not settings.password_threads:  # the cores but one, shared by the workers
            settings = dataclasses.replace(settings, password_threads=default_threads(workers))
        if workers > 1:
            return supervise(settings, host, port, workers, metrics)
        app = build(settings, host, port, metrics)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return run(app, settings, host, port, reuse_port=False)


def supervise(
    settings: Settings, host: str, port: int, workers: int, metrics: Listener | None = None
) -> int:
    """Migrate once, fork the workers, pass signals on, and wait for them all. A database
    that does not answer yet is left to the workers (each tries again, one at a time)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(migrate(settings.accounts_url))  # ConfigError: not a database address
    except DatabaseUnreachable as exc:
        print(f"{exc}; the workers start and try again", file=sys.stderr)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: build its own app (nothing is connected before this)
            code = 1
            try:
                app = build(settings, host, port, metrics, reuse_port=True)
                code = run(app, settings, host, port, reuse_port=True)
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    worst = 0
    for child in children:
        _, status = os.waitpid(child, 0)
        worst = max(worst, os.waitstatus_to_exitcode(status))
    return worst


def run(app: web.Application, settings: Settings, host: str, port: int, *, reuse_port: bool) -> int:
    configure_logging()
    log = logging.getLogger("regbot.serve")
    if settings.simulators_on:
        log.warning("simulators mounted under /sim for: %s", ", ".join(settings.simulated))
    try:
        return listen(lambda: _run_app(app, listen_hosts(settings, host), port, reuse_port))
    except ConfigError as exc:  # found while starting: the trust anchors, a bad URL
        print(exc, file=sys.stderr)
        return 2


# the port is taken, the address is not this machine's, or the port needs privileges
CANNOT_LISTEN: Final = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def listen(run_until_stopped: Callable[[], None]) -> int:
    """Exit status of a server run: 0 once it stops; 2, with one line saying why, when
    it cannot listen where it was told to (`regbot serve` and `regbot simulators`)."""
    try:
        run_until_stopped()
    except OSError as exc:
        problem = cannot_listen(exc)
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        return 2
    return 0


def cannot_listen(exc: OSError) -> str | None:
    """One line for a listener that could not bind (it names the address and port), or
    for a --host that is no address; None for another error."""
    if isinstance(exc, socket.gaierror):
        return f"cannot listen: --host is not an address of this machine ({exc.strerror})"
    if exc.errno not in CANNOT_LISTEN:
        return None
    return (
        f"cannot listen: {exc.strerror}; choose another --port or --host, or stop what is using it"
    )


def _run_app(app: web.Application, hosts: list[str], port: int, reuse_port: bool) -> None:
    web.run_app(
        app,
        host=hosts,
        port=port,
        shutdown_timeout=SHUTDOWN_SECONDS,
        reuse_port=reuse_port or None,
        access_log=None,  # query strings may carry the USSD secret; turns are logged instead
        print=lambda line: print(line, file=sys.stderr, flush=True),
    )
