"""USSD load: N callers register by mobile over HTTP against `regbot serve`, vs a floor.

The floor is a bare aiohttp handler doing one Redis GET and SET per request, in its own
process like regbot; the simulators of the outside world run in a third process. Loopback
PostgreSQL database (created and dropped here). Loopback only; bounded in time.

    .venv/bin/python bench/ussd_load.py                  # saturation, 50 callers
    .venv/bin/python bench/ussd_load.py --callers 1000 --pace 2   # realistic pace

Password hashing runs in "fast" mode during the load (so the figures measure regbot,
not argon2); the standard argon2 cost is measured and printed separately.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.passwords import PasswordHasher  # noqa: E402
from integrations.simulators import build_simulators_app  # noqa: E402

PASSWORD = "Sao*Mai#2024"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the floor: one Redis GET + SET per request -------------------------------------


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


def run_sims(port: int) -> None:
    """The outside world (SMS gateway, carrier, BHXH) in a process of its own, as in life:
    inside the load generator it would answer late whenever the callers keep it busy."""

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = build_simulators_app()
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- processes ------------------------------------------------------------------------


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"server at {url} exited")
            try:
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"server at {url} never became healthy")


def spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# -- callers --------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0

    def report(self, name: str, seconds: float) -> float:
        lat = sorted(self.latencies)
        rps = len(lat) / seconds if seconds else 0.0
        p50 = statistics.median(lat) * 1000 if lat else 0.0
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0.0
        print(
            f"{name:<8} {len(lat):>6} requests in {seconds:6.2f} s  {rps:8.1f} req/s  "
            f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  errors {self.errors}"
        )
        return rps


async def post(http: aiohttp.ClientSession, url: str, form: dict[str, str], stats: Stats) -> str:
    started = time.perf_counter()
    async with http.post(url, data=form) as response:
        body = await response.text()
        ok = response.status == 200
    stats.latencies.append(time.perf_counter() - started)
    if not ok:
        stats.errors += 1
    return body


async def register(
    http: aiohttp.ClientSession,
    url: str,
    sims: str,
    caller: str,
    id_number: str,
    stats: Stats,
    pace: float,
) -> bool:
    session, inputs = f"bench-{uuid.uuid4().hex}", []

    async def press(text: str | None) -> str:
        if text is not None:
            inputs.append(text)
        if pace:
            await asyncio.sleep(random.uniform(0.5 * pace, 1.5 * pace))
        form = {
            "sessionId": session,
            "serviceCode": "*123#",
            "phoneNumber": caller,
            "text": "*".join(inputs),
        }
        return await post(http, url + "/ussd", form, stats)

    await press(None)
    for answer in ("1", "1", "Le Van Hai", "17/05/1990", id_number, "1", "1", "1"):
        await press(answer)
    async with http.get(f"{sims}/sms/outbox", params={"to": caller}) as response:
        texts = [m["text"] for m in await response.json()]
    if not texts:
        return False
    await press(re.findall(r"\b\d{6}\b", texts[-1])[0])
    await press(PASSWORD)
    return (await press(PASSWORD)).startswith("END")


async def floor_load(url: str, callers: int, requests: int, stats: Stats) -> float:
    async def caller(n: int) -> None:
        for i in range(requests):
            await post(http, url + "/ussd", {"phoneNumber": f"+8490{n:07d}", "text": str(i)}, stats)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(callers)))
        return time.perf_counter() - started


# -- main -----------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    db_name = f"regbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(args.postgres.replace("+asyncpg", ""))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    regbot_port, floor_port, sims_port = free_port(), free_port(), free_port()
    sims_server = spawn(
        [sys.executable, __file__, "--sims-server", str(sims_port)], dict(os.environ)
    )
    sims = f"http://127.0.0.1:{sims_port}"
    await wait_healthy(sims, sims_server)
    database_url = args.postgres.rsplit("/", 1)[0] + f"/{db_name}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_URL")},
        "REDIS_URL": args.redis,
        "DATABASE_URL": database_url,
        "SMS_URL": f"{sims}/sms",
        "CARRIER_URL": f"{sims}/carrier",
        "BHXH_URL": f"{sims}/bhxh",
        "MSSP_URL": f"{sims}/mssp",  # not called by mobile registrations; no simulator mounted
        "REGBOT_SECRET_KEY": "bench-secret-key-0123456789",
        "REGBOT_PASSWORD_HASHING": "fast",
        "REGBOT_DATA_DIR": f"/tmp/{db_name}",
    }
    regbot = spawn(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--port",
            str(regbot_port),
            "--workers",
            str(args.workers),
        ],
        env,
    )
    floor = spawn(
        [sys.executable, __file__, "--floor-server", str(floor_port), "--redis", args.redis],
        dict(os.environ),
    )
    try:
        regbot_url, floor_url = f"http://127.0.0.1:{regbot_port}", f"http://127.0.0.1:{floor_port}"
        await wait_healthy(regbot_url, regbot)
        await wait_healthy(floor_url, floor)
        people = []
        async with aiohttp.ClientSession() as http:
            # distinct numbers: two callers with one CCCD would meet the duplicate check
            numbers = random.sample(range(10**6), args.callers)
            for n in numbers:
                caller = f"+84912{n:06d}"
                id_number = f"001090{n:06d}"
                body = {
                    "msisdn": caller,
                    "carrier": "VinaPhone",
                    "owner_registered": True,
                    "owner": {
                        "id_number": id_number,
                        "full_name": "Le Van Hai",
                        "date_of_birth": "1990-05-17",
                    },
                }
                async with http.post(f"{sims}/carrier/subscribers", json=body):
                    pass
                people.append((caller, id_number))
        stats = Stats()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.perf_counter()
            done = await asyncio.wait_for(
                asyncio.gather(
                    *(register(http, regbot_url, sims, c, i, stats, args.pace) for c, i in people)
                ),
                timeout=args.timeout,
            )
            regbot_seconds = time.perf_counter() - started
        mode = f"pace {args.pace} s" if args.pace else "saturation"
        print(
            f"USSD load, {args.callers} callers, {mode}, regbot serve --workers {args.workers}, "
            "loopback, real Redis + PostgreSQL"
        )
        print(f"registrations completed: {sum(done)}/{args.callers}")
        rps = stats.report("regbot", regbot_seconds)
        if not args.pace:
            floor_stats = Stats()
            per_caller = max(1, len(stats.latencies) // args.callers)
            floor_seconds = await floor_load(floor_url, args.callers, per_caller, floor_stats)
            floor_rps = floor_stats.report("floor", floor_seconds)
            print(f"ratio regbot/floor: {rps / floor_rps:.2f} (aim >= 0.5)")
        else:
            p99 = sorted(stats.latencies)[int(len(stats.latencies) * 0.99)] * 1000
            print(f"p99 at realistic pace: {p99:.1f} ms (aim < 50 ms)")
        hasher, runs = PasswordHasher("standard"), 5
        started = time.perf_counter()
        for _ in range(runs):
            hasher.hash(PASSWORD)
        each = (time.perf_counter() - started) / runs * 1000
        print(
            f"password hashing (argon2, standard), counted separately: {each:.1f} ms per hash, "
            f"2 per registration (hash + confirm)"
        )
    finally:
        stop(regbot)
        stop(floor)
        stop(sims_server)
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="regbot serve --workers")
    parser.add_argument("--pace", type=float, default=0.0, help="mean seconds between inputs")
    parser.add_argument("--timeout", type=float, default=100.0)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "REGBOT_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--floor-server", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--sims-server", type=int, default=0, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.floor_server:
        run_floor(parsed.floor_server, parsed.redis)
    elif parsed.sims_server:
        run_sims(parsed.sims_server)
    else:
        asyncio.run(main(parsed))
