"""USSD load against `regbot serve` as a deployment runs it: callers register by mobile.

regbot runs as in production (`REGBOT_ENV=production`, argon2id at its default cost,
real Redis and PostgreSQL, `USSD_SECRET` sent in the header); the simulators of the
outside world run as `regbot simulators` and the load generator is this process, each a
process of its own. Redis is a private `redis-server` started here (so its command
counts and memory are regbot's alone) unless `--redis` names one; PostgreSQL gets a
database created and dropped here. Loopback only; every phase is bounded in time.

    .venv/bin/python bench/ussd_load.py                       # saturation, engine, Redis, pace
    .venv/bin/python bench/ussd_load.py --scale 1,2,4         # + the scale-out table
    .venv/bin/python bench/ussd_load.py --find-max            # + largest pace under 50 ms
    .venv/bin/python bench/ussd_load.py --profile /tmp/prof   # + py-spy on regbot serve

`--fast-hashing` runs argon2id at a trivial cost (not production: regbot then runs
with REGBOT_ENV=development); every figure it affects says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import msgspec
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.ussd.screen import ussd_text  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.keys import SecretKeys  # noqa: E402
from bot.passwords import DEFAULT_COST, default_threads  # noqa: E402
from bot.state import RecordCodec, UnreadableSession  # noqa: E402

PASSWORD = "Sao*Mai#2024"
USSD_SECRET = secrets.token_urlsafe(24)
BUSY = ussd_text(Translator.load(), "password.busy", "vi")
CLK_TCK = os.sysconf("SC_CLK_TCK")
BENCH_PIDS: list[int] = [os.getpid()]  # the load generator, simulators, floor, private Redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


METRICS_TOKEN = secrets.token_urlsafe(24)  # regbot's /metrics on the public port, for the bench


# -- the floor: a bare aiohttp handler doing one Redis GET + SET per request ------------


def run_floor(port: int, redis_url: str) -> None:
    from bot.state.redis import redis_client

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        key = f"bench-floor:{form.get('phoneNumber', '')}"
        client = request.app["redis"]
        value = await client.get(key)
        await client.set(key, (value or b"")[:64] + b"x", ex=60)
        return web.Response(text="CON ok")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def redis_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        app["redis"] = redis_client(redis_url)
        yield
        await app["redis"].aclose()

    app = web.Application()
    app.cleanup_ctx.append(redis_ctx)
    app.router.add_post("/ussd", handler)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- processes and the machine ----------------------------------------------------------


def spawn(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if process.poll() is not None:
                raise SystemExit(f"server at {url} exited ({process.returncode})")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise SystemExit(f"server at {url} never became healthy")


def machine_cpu() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])


def process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


@dataclass
class Usage:
    """CPU over a phase: the machine's idle share, regbot's own seconds, and the share
    taken by processes outside this bench (other work on a shared machine); PostgreSQL's
    backends serving the bench's database count as the bench's."""

    pids: list[int]
    extra: list[int] = field(default_factory=list)  # the bench's own, like BENCH_PIDS
    started: float = field(default_factory=time.perf_counter)
    machine: tuple[int, int] = field(default_factory=machine_cpu)
    regbot: float = 0.0
    bench: float = 0.0

    def __post_init__(self) -> None:
        self.regbot = cpu_seconds(self.pids)
        self.bench = cpu_seconds(BENCH_PIDS + self.extra) + self.regbot

    def done(self) -> tuple[float, float, float, float]:
        """(wall seconds, machine idle %, regbot CPU seconds, others' share %)."""
        idle, total = machine_cpu()
        idle_d, total_d = idle - self.machine[0], max(1, total - self.machine[1])
        regbot = cpu_seconds(self.pids) - self.regbot
        bench = cpu_seconds(BENCH_PIDS + self.extra) + cpu_seconds(self.pids) - self.bench
        others = 100 * max(0.0, (total_d - idle_d) / CLK_TCK - bench) / (total_d / CLK_TCK)
        return time.perf_counter() - self.started, 100 * idle_d / total_d, regbot, others


# -- the deployment ---------------------------------------------------------------------


@dataclass
class World:
    """Redis, PostgreSQL, the simulators: shared by the phases of one run."""

    redis_url: str
    database_url: str
    sims: str
    anchor: str
    fast: bool
    serve_root: Path
    sims_pid: int
    next_number: int = 0
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    def env(self, workers: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_URL")}
        env.pop("REGBOT_PASSWORD_HASHING", None)
        env.update(
            REGBOT_ENV="development" if self.fast else "production",
            REGBOT_SECRET_KEY=self.secret,
            USSD_SECRET=USSD_SECRET,
            REGBOT_PUBLIC_URL="https://dichvucong.example",
            REGBOT_DASHBOARD_TOKEN=secrets.token_urlsafe(24),
            REGBOT_METRICS_TOKEN=METRICS_TOKEN,
            REDIS_URL=self.redis_url,
            DATABASE_URL=self.database_url,
            SMS_URL=f"{self.sims}/sim/sms",
            CARRIER_URL=f"{self.sims}/sim/carrier",
            BHXH_URL=f"{self.sims}/sim/bhxh",
            MSSP_URL=f"{self.sims}/sim/mssp",
            PKI_TRUST_ANCHORS=self.anchor,
            PKI_GOV_TRUST_ANCHORS=self.anchor,
            REGBOT_DATA_DIR=tempfile.mkdtemp(prefix="regbot-bench-"),
        )
        if self.fast:
            env["REGBOT_PASSWORD_HASHING"] = "fast"
        return env

    async def database_pids(self) -> list[int]:
        """PostgreSQL's backends serving regbot's database: the bench's, not others'."""
        rows = await self._ask(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [int(row["pid"]) for row in rows]

    async def database_sessions(self) -> int:
        """Connections ever opened to regbot's database (PostgreSQL's own count, the
        asking one included)."""
        rows = await self._ask(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(rows[0]["sessions"])

    async def _ask(self, query: str) -> list[asyncpg.Record]:
        """One question to regbot's database, on a connection of the bench's own."""
        db = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
        try:
            return list(await db.fetch(query))
        finally:
            await db.close()

    def numbers(self, count: int) -> list[int]:
        start, self.next_number = self.next_number, self.next_number + count
        return list(range(start, start + count))

    @contextlib.asynccontextmanager
    async def regbot(self, workers: int) -> AsyncIterator[tuple[str, list[int]]]:
        port = free_port()
        command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        process = spawn([*command, "--workers", str(workers)], self.env(workers), self.serve_root)
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_healthy(url, process)
            await asyncio.sleep(0.3)  # every worker up, not only the first to answer
            yield url, process_tree(process.pid)
        finally:
            stop(process)


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of the bench's own: command counts and memory are regbot's alone."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("no redis-server on PATH: pass --redis URL")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    BENCH_PIDS.append(process.pid)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


# -- callers ----------------------------------------------------------------------------


class Stats:
    """Latencies by kind: `turn` (no hashing) and `hash` (the confirmation that hashes)."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"turn": [], "hash": []}
        self.started = time.perf_counter()
        # turns that do not hash: (seconds into the run it was sent, latency, inputs typed,
        # whether in the caller's first registration - the callers start together)
        self.timeline: list[tuple[float, float, int, bool]] = []
        self.errors = 0
        self.busy = 0
        self.completed = 0
        self.unfinished: Counter[str] = Counter()  # why: the start of the last screen

    def why_unfinished(self) -> str:
        reasons = "; ".join(f"{n} x {why!r}" for why, n in self.unfinished.most_common(3))
        return f" (unfinished: {reasons})" if reasons else ""

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def slowest_turns(self) -> str:
        """Where the slowest 1 % of the turns that do not hash fall: at which input and
        when, and the p99 of each caller's later registrations (the callers, started
        together, arrive at each step together the first time round)."""
        ranked = sorted(self.timeline, key=lambda t: -t[1])[: max(1, len(self.timeline) // 100)]
        if not ranked:
            return ""
        inputs = ", ".join(
            f"{n} at input {i}" for i, n in Counter(t[2] for t in ranked).most_common(3)
        )
        later = sorted(latency for _, latency, _, first in self.timeline if not first)
        past = f"{1000 * later[int(len(later) * 0.99)]:.1f} ms" if later else "-"
        return (
            f"the slowest 1 % of them: {inputs}; sent {min(t[0] for t in ranked):.1f}-"
            f"{max(t[0] for t in ranked):.1f} s into the run; p99 of the turns of each "
            f"caller's later registrations (past the opening wave): {past}"
        )

    def mean(self) -> float:
        """Of every request, in ms: Little's law sets it at saturation (callers / req/s)."""
        values = [x for v in self.latencies.values() for x in v]
        return 1000 * sum(values) / len(values) if values else 0.0

    def p(self, kind: str | None, q: float) -> float:
        values = sorted(
            self.latencies[kind] if kind else [x for v in self.latencies.values() for x in v]
        )
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(len(values) * q))] * 1000


async def post(
    http: aiohttp.ClientSession,
    url: str,
    form: dict[str, str],
    stats: Stats,
    kind: str,
    *,
    first: bool = False,
) -> str:
    started = time.perf_counter()
    try:
        async with http.post(url, data=form, headers={"X-USSD-Secret": USSD_SECRET}) as response:
            body = await response.text()
            ok = response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        body, ok = "", False
    latency = time.perf_counter() - started
    stats.latencies[kind].append(latency)
    if kind == "turn":
        typed = form["text"].count("*") + 1 if form["text"] else 0
        stats.timeline.append((started - stats.started, latency, typed, first))
    if not ok:
        stats.errors += 1
    return body


class Gate:
    """Holds callers at a step until all `count` are there and the bench opens it."""

    def __init__(self, count: int) -> None:
        self.count, self.arrived = count, 0
        self.all_there, self.opened = asyncio.Event(), asyncio.Event()

    async def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.count:
            self.all_there.set()
        await self.opened.wait()


@dataclass(frozen=True)
class Person:
    phone: str
    id_number: str


def people(numbers: list[int]) -> list[Person]:
    return [Person(f"+84912{n:06d}", f"001090{n:06d}") for n in numbers]


async def add_subscribers(sims: str, crowd: list[Person]) -> None:
    async with aiohttp.ClientSession() as http:
        for person in crowd:
            body = {
                "msisdn": person.phone,
                "carrier": "VinaPhone",
                "owner_registered": True,
                "owner": {
                    "id_number": person.id_number,
                    "full_name": "Le Van Hai",
                    "date_of_birth": "1990-05-17",
                },
            }
            async with http.post(f"{sims}/sim/carrier/subscribers", json=body) as response:
                assert response.status == 201, await response.text()


DETAILS = ("1", "1", "Le Van Hai", "17/05/1990")  # citizen, mobile, name, birth date


async def register(
    http: aiohttp.ClientSession,
    url: str,
    sims: str,
    person: Person,
    stats: Stats,
    pace: float,
    *,
    stop_before_confirm: Gate | None = None,
    first: bool = False,
) -> None:
    """One registration over USSD; with `stop_before_confirm`, waits there until it is set."""
    session, inputs = f"bench-{uuid.uuid4().hex}", []

    async def press(text: str | None, kind: str = "turn") -> str:
        if text is not None:
            inputs.append(text)
        if pace:
            await asyncio.sleep(random.uniform(0.5 * pace, 1.5 * pace))
        form = {
            "sessionId": session,
            "serviceCode": "*123#",
            "phoneNumber": person.phone,
            "text": "*".join(inputs),
        }
        return await post(http, url + "/ussd", form, stats, kind, first=first)

    await press(None)
    for answer in (*DETAILS, person.id_number, "1", "1", "1"):  # own number, no email, confirm
        await press(answer)
    async with http.get(f"{sims}/sim/sms/outbox", params={"to": person.phone}) as response:
        texts = [m["text"] for m in await response.json()]
    if not texts:
        stats.unfinished["no OTP SMS"] += 1
        return
    await press(re.findall(r"\b\d{6}\b", texts[-1])[0])
    await press(PASSWORD)
    if stop_before_confirm is not None:
        await stop_before_confirm.arrive()
    screen = await press(PASSWORD, "hash")
    while BUSY in screen:  # "try again in a moment": the person types it again
        stats.busy += 1
        await asyncio.sleep(random.uniform(0.5, 1.5) * max(1.0, pace))  # reads, retypes
        screen = await press(PASSWORD, "hash")
    if screen.startswith("END Dang ky thanh cong"):
        stats.completed += 1
    else:
        stats.unfinished[screen[:48]] += 1


async def crowd_registers(
    url: str, sims: str, crowd: list[Person], per_caller: int, pace: float, limit: float
) -> tuple[Stats, float]:
    """len(crowd) / per_caller callers at once, each registering `per_caller` people."""
    stats = Stats()
    callers = [crowd[i::per_caller] for i in range(per_caller)]
    lanes = list(zip(*callers, strict=False))

    async def caller(lane: tuple[Person, ...]) -> None:
        for person in lane:
            await register(http, url, sims, person, stats, pace, first=person is lane[0])

    connector = aiohttp.TCPConnector(limit=0)
    timeout_each = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout_each) as http:
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(caller(lane) for lane in lanes)), limit)
        return stats, time.perf_counter() - started


async def floor_load(url: str, callers: int, requests: int) -> tuple[Stats, float]:
    stats = Stats()

    async def caller(n: int) -> None:
        for i in range(requests):
            form = {"phoneNumber": f"+8490{n:07d}", "text": str(i)}
            await post(http, url + "/ussd", form, stats, "turn")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(callers)))
        return stats, time.perf_counter() - started


# -- Redis ------------------------------------------------------------------------------


async def redis_counts(redis: Redis) -> Counter[str]:
    info = await redis.info("all")
    # reads: one per request a client sends (a pipeline is one); commands: every command
    # run, those inside a Lua script too
    counts: Counter[str] = Counter(
        reads=int(info["total_reads_processed"]), total=int(info["total_commands_processed"])
    )
    for name, value in info.items():
        if name.startswith("cmdstat_") and isinstance(value, dict):
            counts[name[8:]] = int(value["calls"])
    return counts


async def state_keys(redis: Redis) -> set[bytes]:
    return {key async for key in redis.scan_iter(match="regbot:*", count=1000)}


# -- phases -----------------------------------------------------------------------------


def hashing_label(world: World) -> str:
    if world.serve_root != ROOT:
        return "that checkout's default hashing (REGBOT_ENV=production)"
    if world.fast:
        return "FAST HASHING (--fast-hashing: argon2id m=1024 KiB t=1, not production)"
    cost = Settings.from_env(os.environ).argon2  # what `regbot serve` reads from this env
    return f"production hashing ({cost}, {'the default' if cost == DEFAULT_COST else 'set'})"


def tag(world: World) -> str:
    return "  [FAST HASHING]" if world.fast else ""


def report(name: str, stats: Stats, seconds: float, world: World, hashing: bool = True) -> None:
    rps = stats.requests / seconds if seconds else 0.0
    print(
        f"  {name}: {stats.requests} requests in {seconds:.1f} s, {rps:.0f} req/s, "
        f"p50 {stats.p(None, 0.5):.1f} ms, p99 {stats.p(None, 0.99):.1f} ms, "
        f"errors {stats.errors}" + (tag(world) if hashing else "")
    )


async def saturation(args: argparse.Namespace, world: World, workers: int) -> dict[str, Any]:
    crowd = people(world.numbers(args.callers * args.rounds))
    await add_subscribers(world.sims, crowd)
    async with world.regbot(workers) as (url, pids):
        redis = Redis.from_url(world.redis_url)
        before = await redis_counts(redis)
        profiler = None
        if args.profile and workers == 1:
            profiler = start_profile(args.profile, pids[0], args.profile_gil)
        backends = await world.database_pids()
        usage = Usage(pids, extra=backends)
        sessions = await world.database_sessions()
        load_cpu, sims_cpu = time.process_time(), cpu_seconds([world.sims_pid])
        database_cpu = cpu_seconds(backends)
        stats, seconds = await crowd_registers(url, world.sims, crowd, args.rounds, 0, 300)
        load_cpu = time.process_time() - load_cpu
        sims_cpu = cpu_seconds([world.sims_pid]) - sims_cpu
        # first, before the bench opens another: the count includes the reading one
        sessions = await world.database_sessions() - sessions - 1
        # backends opened during the run count from their start
        database_cpu = cpu_seconds(await world.database_pids()) - database_cpu
        _, idle, cpu, others = usage.done()
        after = await redis_counts(redis)
        await redis.aclose()
        inside = await turn_times(url) if workers == 1 else {}
        if profiler is not None:
            finish_profile(profiler, args.profile)
    delta = after - before
    turns = stats.requests
    return {
        "rps": turns / seconds,
        "p99": stats.p(None, 0.99),
        "p99_turn": stats.p("turn", 0.99),
        "p99_hash": stats.p("hash", 0.99),
        "p50_turn": stats.p("turn", 0.5),
        "mean": stats.mean(),
        "slowest": stats.slowest_turns(),
        "pg_connections": sessions,
        "completed": stats.completed,
        "total": len(crowd),
        "errors": stats.errors,
        "busy": stats.busy,
        "idle": idle,
        "others": others,
        "cpu": cpu,
        "seconds": seconds,
        "regs_per_core": stats.completed / cpu if cpu else 0.0,
        "commands_per_turn": delta["total"] / turns,
        "reads_per_turn": (delta["reads"] - 1) / turns,
        "xadd_per_turn": delta["xadd"] / turns,
        "evalsha_per_turn": delta["evalsha"] / turns,
        "by_command": {
            name: calls / turns
            for name, calls in delta.most_common()
            if name not in ("reads", "total") and calls / turns >= 0.005
        },
        "turns": turns,
        "why": stats.why_unfinished(),
        "inside": inside,
        "load_share": 100 * load_cpu / seconds,
        "sims_share": 100 * sims_cpu / seconds,
        "database_share": 100 * database_cpu / seconds,
    }


async def turn_times(url: str) -> dict[float, int]:
    """regbot's own histogram of its turns (`regbot_turn_seconds`, USSD): turns at or under
    each bucket's bound, cumulative, so a reader can tell time in the turn from time
    spent before it (the loop busy with others, the load generator's own delay)."""
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        ) as response:
            text = await response.text()
    buckets: dict[float, int] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "regbot_turn_seconds":
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket") and sample.labels.get("channel") == "ussd":
                buckets[float(sample.labels["le"])] = int(sample.value)
    return buckets


def inside_line(buckets: dict[float, int]) -> str:
    if not buckets:
        return ""
    total = buckets.get(float("inf"), 0) or 1
    within = buckets.get(0.1, 0)
    p99 = min(le for le, n in buckets.items() if n >= 0.99 * total)
    return (
        f"  inside regbot's turns (regbot_turn_seconds, all USSD turns, hashing ones "
        f"included): {100 * within / total:.1f} % within 100 ms, p99 <= {p99 * 1000:.0f} ms "
        f"(the histogram's bucket); the rest of a caller's wait is before the turn starts"
    )


def print_saturation(result: dict[str, Any], world: World, workers: int, callers: int) -> None:
    t = tag(world)
    print(
        f"\nSaturation: {callers} callers registering at full speed, regbot serve --workers "
        f"{workers}, {hashing_label(world)}"
    )
    print(
        f"  {result['turns']:.0f} requests in {result['seconds']:.1f} s: {result['rps']:.0f} "
        f"req/s, registrations completed {result['completed']:.0f}/{result['total']:.0f}, "
        f"errors {result['errors']:.0f}, 'try again in a moment' {result['busy']:.0f}{t}"
        f"{result['why']}"
    )
    print(
        f"  p99 of turns that do not hash: {result['p99_turn']:.1f} ms (p50 "
        f"{result['p50_turn']:.1f} ms; aim < 100 ms){t}"
    )
    if result["slowest"]:
        print(f"  {result['slowest']}{t}")
    waiting = result["rps"] * result["mean"] / 1000  # Little's law: L = lambda W
    print(
        f"  Little's law: callers waiting for regbot at once = {result['rps']:.0f} req/s x "
        f"{result['mean']:.0f} ms mean wait = {waiting:.0f} of the {callers} (the others "
        f"pause after 'try again in a moment' or read an SMS); with that many waiting, a "
        f"p99 under 100 ms needs more than {waiting / 0.1:.0f} req/s, so at saturation that "
        f"aim is a throughput aim{t}"
    )
    print(f"  p99 of the confirmations that hash: {result['p99_hash']:.1f} ms{t}")
    if line := inside_line(result.get("inside", {})):
        print(line + t)
    print(
        f"  machine idle CPU during the run: {result['idle']:.0f} % of 2 cores shared by "
        f"regbot, the load generator, the simulators, Redis and PostgreSQL; taken by "
        f"processes outside this bench: {result['others']:.0f} %; the load generator "
        f"(this process) used {result['load_share']:.0f} % of a core, the simulators "
        f"{result['sims_share']:.0f} % (the carrier and SMS a deployment reaches elsewhere), "
        f"PostgreSQL {result['database_share']:.0f} %"
    )
    print(
        f"  registrations per second per core: {result['regs_per_core']:.1f} "
        f"({result['completed']:.0f} registrations / {result['cpu']:.1f} CPU s of regbot; "
        f"aim >= 20){t}"
    )
    print(
        f"  Redis round trips a USSD turn waits for: {result['evalsha_per_turn']:.2f} (aim 1; "
        f"EVALSHA a turn: every call a turn makes is one script); requests Redis read per "
        f"turn: {result['reads_per_turn']:.2f} (INFO total_reads_processed: the "
        f"calls made while Redis answers earlier ones share a pipeline, the conversation "
        f"events' XADD go every 0.5 s); commands run per turn, Lua's included: "
        f"{result['commands_per_turn']:.1f}"
    )
    by_command = ", ".join(f"{n.upper()} {v:.2f}" for n, v in result["by_command"].items())
    print(f"  Redis commands per turn by name (Lua's included): {by_command}")
    print(
        f"  PostgreSQL connections regbot opened during the run: {result['pg_connections']} "
        f"(pg_stat_database.sessions; each a server process and asyncpg's set-up)"
    )


async def pace_run(
    world: World, callers: int, pace: float, workers: int
) -> tuple[Stats, float, float, float]:
    crowd = people(world.numbers(callers))
    await add_subscribers(world.sims, crowd)
    async with world.regbot(workers) as (url, pids):
        usage = Usage(pids, extra=await world.database_pids())
        stats, seconds = await crowd_registers(url, world.sims, crowd, 1, pace, 40 * pace + 120)
        _, idle, _, others = usage.done()
    return stats, seconds, idle, others


async def redis_footprint(world: World, count: int) -> float:
    """Callers stopped at the confirmation (the largest state): bytes per live session."""
    crowd = people(world.numbers(count))
    await add_subscribers(world.sims, crowd)
    redis = Redis.from_url(world.redis_url)
    gate = Gate(count)
    async with world.regbot(1) as (url, _):
        before = await state_keys(redis)
        stats = Stats()
        async with aiohttp.ClientSession() as http:
            tasks = [
                asyncio.ensure_future(
                    register(http, url, world.sims, p, stats, 0, stop_before_confirm=gate)
                )
                for p in crowd
            ]
            await gate.all_there.wait()
            keys = await state_keys(redis) - before
            sizes: dict[str, list[int]] = {"session": [], "counter": []}
            stored = b""
            for key in keys:  # one record per person: the dialog and the USSD slot
                kind = (
                    "session" if b":state:ussd:" in key else "counter" if b":count:" in key else ""
                )
                if kind:
                    sizes[kind].append(int(await redis.memory_usage(key, samples=0) or 0))
                if kind == "session" and not stored:
                    value = await redis.get(key)
                    stored = value if isinstance(value, bytes) else b""
            gate.opened.set()
            await asyncio.gather(*tasks)
    await redis.aclose()
    sessions = len(sizes["session"]) or 1
    record = statistics.mean(sizes["session"] or [0])
    counters = sum(sizes["counter"]) / sessions
    print(
        f"\nRedis per live USSD session ({sessions} callers held at the password "
        f"confirmation, the largest state; MEMORY USAGE):"
    )
    print(
        f"  {record:.0f} B per session: one sealed record, dialog and USSD slot (aim <= 2 KB);"
        f" rate-limit counters {counters:.0f} B more per person ({len(sizes['counter'])} keys)"
    )
    if stored:
        print(codec_line(world, stored))
    return float(record)


def codec_line(world: World, stored: bytes) -> str:
    """What a turn pays to write and read that record (msgpack, deflate, seal): twice a
    USSD turn, on the event loop. The codec is this checkout's, whichever regbot wrote
    the record (`--serve-from`): one of another format is only weighed."""
    codec = RecordCodec(SecretKeys.from_secret(world.secret).sealer("dialog"))
    try:
        record = codec.loads(stored)
    except UnreadableSession:
        return f"  that record: {len(stored)} B stored, in a format this checkout does not read"
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        codec.dumps(record)
    written = time.perf_counter()
    for _ in range(rounds):
        codec.loads(stored)
    read = time.perf_counter()
    packed = len(msgspec.msgpack.encode(record))
    return (
        f"  that record: {packed} B of msgpack, {len(stored)} B stored; written (msgpack, "
        f"deflate, seal) in {1e6 * (written - started) / rounds:.1f} us, read in "
        f"{1e6 * (read - written) / rounds:.1f} us (this process, {rounds} times each)"
    )


async def engine_alone(redis_url: str) -> dict[str, float]:
    """`bench/engine_turns.py` (the engine without HTTP, memory and Redis stores), run in
    its own process on the bench's Redis: CPU microseconds a turn by store."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "engine_turns.py"),
        "--registrations",
        "1000",
        env={**os.environ, "REDIS_URL": redis_url},
        stdout=subprocess.PIPE,
    )
    out, _ = await process.communicate()
    found = {}
    for line in out.decode().splitlines():
        match = re.match(r"(memory store|redis store) .*CPU of this process\s+([\d.]+) us", line)
        if match:
            found[match[1]] = float(match[2])
    print("\nThe engine alone (bench/engine_turns.py: no HTTP, fakes for the outside world):")
    for store, aim in (("memory store", 200), ("redis store", 600)):
        if store in found:
            print(f"  {store}: {found[store]:.0f} us of CPU a turn (aim < {aim} us)")
    return found


@dataclass
class Aims:
    """Issue 14's aims as this run measured them, printed together at the end."""

    rows: list[tuple[str, str, bool | None]] = field(default_factory=list)

    def add(self, aim: str, figure: str, met: bool | None) -> None:
        self.rows.append((aim, figure, met))

    def print(self, world: World) -> None:
        if not self.rows:
            return
        print(f"\nAims, as this run measured them ({hashing_label(world)}):")
        for aim, figure, met in self.rows:
            verdict = "printed" if met is None else "met" if met else "NOT met"
            print(f"  {aim}: {figure} -> {verdict}{tag(world)}")


# -- profiling --------------------------------------------------------------------------


def start_profile(directory: str, pid: int, gil: bool = False) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    Path(directory).mkdir(parents=True, exist_ok=True)
    out = Path(directory) / "regbot.folded"
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
            *(["--gil"] if gil else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(profiler: subprocess.Popen[bytes], directory: str) -> None:
    profiler.send_signal(signal.SIGINT)
    profiler.wait(timeout=60)
    folded = Path(directory) / "regbot.folded"
    if not folded.exists():
        print("  py-spy wrote nothing (needs ptrace: run as root or with CAP_SYS_PTRACE)")
        return
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # py-spy stopped mid-line
            continue
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1]
            for f in stack.split(";")
            if f
        ]
        samples = int(count)
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        if frames:
            own[frames[-1]] += samples
    print(f"\npy-spy on regbot serve during the saturation run: {total} samples, {folded}")
    print("  top self time:")
    for frame, samples in own.most_common(15):
        print(f"    {100 * samples / total:5.1f} %  {frame}")
    print("  top inclusive time (below the event loop):")
    shown = 0
    for frame, samples in inclusive.most_common(60):
        if 100 * samples / total > 97 or "run_forever" in frame or "_run_once" in frame:
            continue
        print(f"    {100 * samples / total:5.1f} %  {frame}")
        shown += 1
        if shown == 20:
            break


# -- main -------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    db_name = f"regbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(args.postgres.replace("+asyncpg", ""))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    sims_port, floor_port = free_port(), free_port()
    sims_env = {k: v for k, v in os.environ.items() if k != "REGBOT_ENV"}
    sims_process = spawn(
        [sys.executable, "-m", "bot.cli", "simulators", "--port", str(sims_port), "--empty"],
        sims_env,
    )
    BENCH_PIDS.append(sims_process.pid)
    sims = f"http://127.0.0.1:{sims_port}"
    with contextlib.ExitStack() as stack:
        redis_url = args.redis or stack.enter_context(private_redis())
        floor = spawn(
            [sys.executable, __file__, "--floor-server", str(floor_port), "--redis", redis_url],
            dict(os.environ),
        )
        BENCH_PIDS.append(floor.pid)
        try:
            await wait_healthy(sims, sims_process)
            async with aiohttp.ClientSession() as http, http.get(f"{sims}/sim/pki/ca.pem") as r:
                anchor = await r.text()
            world = World(
                redis_url=redis_url,
                database_url=args.postgres.rsplit("/", 1)[0] + f"/{db_name}",
                sims=sims,
                anchor=anchor,
                fast=args.fast_hashing,
                serve_root=Path(args.serve_from) if args.serve_from else ROOT,
                sims_pid=sims_process.pid,
            )
            await run_phases(args, world, f"http://127.0.0.1:{floor_port}", floor)
        finally:
            stop(floor)
            stop(sims_process)
            await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            await admin.close()


async def run_phases(
    args: argparse.Namespace, world: World, floor_url: str, floor: subprocess.Popen[bytes]
) -> None:
    env = "REGBOT_ENV=development" if world.fast else "REGBOT_ENV=production"
    print(
        f"USSD load: regbot serve as deployed ({env}, "
        f"real Redis{' (private redis-server)' if not args.redis else ''} and PostgreSQL, "
        f"simulators in `regbot simulators`), loopback, 2 cores shared by everything"
    )
    print(
        f"password hashing: {hashing_label(world)}; hashing threads per process: "
        f"{default_threads(1)} with 1 worker"
    )
    if args.serve_from:
        print(f"regbot serve from {args.serve_from}")
    await add_subscribers(world.sims, people(world.numbers(20)))  # warm the simulators

    aims = Aims()
    if "saturation" in args.phases:
        result = await saturation(args, world, args.workers)
        print_saturation(result, world, args.workers, args.callers)
        await wait_healthy(floor_url, floor)
        per_caller = max(1, int(result["turns"]) // args.callers)
        floor_stats, floor_seconds = await floor_load(floor_url, args.callers, per_caller)
        floor_rps = floor_stats.requests / floor_seconds
        ratio = result["rps"] / floor_rps
        print(
            f"  floor (bare aiohttp + one Redis GET and SET): {floor_rps:.0f} req/s, p99 "
            f"{floor_stats.p(None, 0.99):.1f} ms; ratio regbot/floor "
            f"{ratio:.2f} with hashing in the turns{tag(world)}"
        )
        done = result["completed"] == result["total"] and not result["errors"]
        p99 = result["p99_turn"]
        aims.add("p99 of turns that do not hash at saturation < 100 ms", f"{p99:.0f} ms", p99 < 100)
        per_core = result["regs_per_core"]
        aims.add("registrations per second per core >= 20", f"{per_core:.1f}", per_core >= 20)
        aims.add(
            "regbot / floor >= 0.5 (the aim is with fast hashing)",
            f"{ratio:.2f}",
            ratio >= 0.5 if world.fast else None,
        )
        trips = result["evalsha_per_turn"]
        aims.add("Redis round trips a USSD turn waits for: 1", f"{trips:.2f}", trips <= 1.0)
        aims.add("saturation: every registration done, no errors", f"{done}", done)

    if "engine" in args.phases:
        alone = await engine_alone(world.redis_url)
        for store, aim in (("memory store", 200), ("redis store", 600)):
            if store in alone:
                us = alone[store]
                aims.add(f"engine alone, {store} < {aim} us a turn", f"{us:.0f} us", us < aim)

    if "redis" in args.phases:
        record = await redis_footprint(world, args.redis_sessions)
        aims.add("Redis bytes per live session <= 2 KB", f"{record:.0f} B", record <= 2048)

    if "pace" in args.phases:
        stats, _, idle, others = await pace_run(world, args.pace_callers, args.pace, 2)
        print(
            f"\nRealistic pace: {args.pace_callers} callers, {args.pace} s between inputs, "
            f"2 workers, {hashing_label(world)}"
        )
        print(
            f"  p99 {stats.p(None, 0.99):.1f} ms (turns {stats.p('turn', 0.99):.1f} ms, "
            f"hashing confirmations {stats.p('hash', 0.99):.1f} ms; aim < 50 ms), errors "
            f"{stats.errors}, completed {stats.completed}/{args.pace_callers}, "
            f"'try again' {stats.busy}, machine idle {idle:.0f} %, outside this bench "
            f"{others:.0f} %{tag(world)}{stats.why_unfinished()}"
        )
        p99 = stats.p(None, 0.99)
        done = stats.completed == args.pace_callers and not stats.errors
        aims.add(f"pace, {args.pace_callers} callers: p99 < 50 ms", f"{p99:.0f} ms", p99 < 50)
        aims.add(f"pace, {args.pace_callers} callers: no errors, all done", f"{done}", done)

    if args.find_max:
        print(
            f"\nLargest pace load that holds p99 < 50 ms (2 workers, {args.pace} s between inputs):"
        )
        held = 0
        for callers in args.find_max_steps:
            stats, _, idle, others = await pace_run(world, callers, args.pace, 2)
            p99 = stats.p(None, 0.99)
            ok = p99 < 50 and not stats.errors and stats.completed == callers
            print(
                f"  {callers:>6} callers: p99 {p99:7.1f} ms (turns {stats.p('turn', 0.99):.1f}, "
                f"hashing {stats.p('hash', 0.99):.1f}), errors {stats.errors}, completed "
                f"{stats.completed}, idle {idle:.0f} %, outside {others:.0f} %  "
                f"{'holds' if ok else 'does not hold'}{stats.why_unfinished()}"
                f"{tag(world)}"
            )
            if not ok:
                break
            held = callers
        print(f"  largest that holds: {held or 'none of those tried'}{tag(world)}")
        aims.add("largest pace load with p99 < 50 ms", f"{held or 'none tried'}", None)

    if args.scale:
        print(
            f"\nScale-out: {args.callers} callers at saturation, {hashing_label(world)} "
            "(2 cores: workers past 2 share them)"
        )
        print("  workers  req/s  p99 turns  p99 hashing  registrations/s  idle %  outside %")
        for workers in args.scale:
            r = await saturation(args, world, workers)
            print(
                f"  {workers:>7} {r['rps']:>6.0f} {r['p99_turn']:>8.1f} ms {r['p99_hash']:>9.1f} ms"
                f" {r['completed'] / r['seconds']:>16.1f} {r['idle']:>7.0f} {r['others']:>9.0f}"
                f"{tag(world)}"
            )
    aims.print(world)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=100, help="saturation callers")
    parser.add_argument("--rounds", type=int, default=3, help="registrations per caller")
    parser.add_argument("--workers", type=int, default=1, help="workers at saturation")
    parser.add_argument("--phases", default="saturation,engine,redis,pace")
    parser.add_argument("--pace-callers", type=int, default=1000)
    parser.add_argument("--pace", type=float, default=2.0, help="mean seconds between inputs")
    parser.add_argument("--redis-sessions", type=int, default=200)
    parser.add_argument("--find-max", action="store_true", help="search the largest pace load")
    parser.add_argument(
        "--find-max-steps",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[250, 500, 750, 1000, 1500, 2000],
    )
    parser.add_argument(
        "--scale",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[],
        help="worker counts for the scale-out table, e.g. 1,2,4",
    )
    parser.add_argument("--fast-hashing", action="store_true", help="NOT production")
    parser.add_argument("--profile", default="", help="directory for py-spy's folded stacks")
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="sample only the thread holding the GIL (where the loop's CPU goes)",
    )
    parser.add_argument("--serve-from", default="", help="another checkout's regbot serve")
    parser.add_argument("--redis", default="", help="a Redis URL instead of a private server")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "REGBOT_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--floor-server", type=int, default=0, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.floor_server:
        run_floor(parsed.floor_server, parsed.redis)
    else:
        asyncio.run(main(parsed))
