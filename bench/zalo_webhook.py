"""Benchmark: how fast `POST /zalo` acknowledges (Zalo waits 2 s at most), and how long a
burst of one person's messages takes to be applied and answered in order.

regbot runs in this process with the Zalo simulator mounted (`/sim/zalo`, over real
HTTP on the loopback); the webhooks are signed and posted straight to `/zalo`, so the
figure is regbot's acknowledgement alone. Memory store, or Redis with --redis.

User and message ids carry a run id (random unless --run-id is given): Redis keeps a
delivery record per msg_id for 24 h, so ids that repeat between runs would make a rerun
on the same Redis see every webhook as Zalo's retry and answer none.
Run: .venv/bin/python bench/zalo_webhook.py [--people 50] [--burst 30] [--redis] [--run-id X]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.zalo.config import DEV_OA_SECRET_KEY
from bot.channels.zalo.events import SIGNATURE_HEADER, mac
from bot.channels.zalo.simulator import ZALO_SIM
from bot.channels.zalo.webhook import ZALO
from bot.config import Settings
from bot.web.app import Wiring, create_app

APP_ID = "bench-app"


def event(user: str, text: str, timestamp: str, n: int) -> bytes:
    return json.dumps(
        {
            "app_id": APP_ID,
            "event_name": "user_send_text",
            "timestamp": timestamp,
            "sender": {"id": user},
            "recipient": {"id": "oa"},
            "message": {"msg_id": f"{user}-{n}", "text": text},
        }
    ).encode()


async def main(people: int, burst: int, redis: bool, run_id: str) -> None:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            data_dir=Path(data),
            secret_key="bench-secret-key-0123456789",
            password_hashing="fast",
            zalo_app_id=APP_ID,
        )
        if redis:
            url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
            settings = replace(settings, redis_url=url)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        app = create_app(settings, Wiring(f"http://127.0.0.1:{port}"))
        server = TestServer(app, host="127.0.0.1", port=port)
        await server.start_server()
        await _run(server, people, burst, run_id)
        await server.close()


async def _run(server: TestServer, people: int, burst: int, run_id: str) -> None:
    channel = server.app[ZALO]
    base = str(server.make_url("/zalo"))
    acks: list[float] = []
    texts = ["/start"] + ["?"] * (burst - 1)
    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        for person in range(people):
            user = f"{run_id}-p{person}"  # and so its msg_ids: unique per run
            for n, text in enumerate(texts):
                # sent now: in production regbot refuses one outside ZALO_EVENT_MAX_AGE
                timestamp = str(int(time.time() * 1000))
                body = event(user, text, timestamp, n)
                mac_hex = mac(APP_ID, body, timestamp, DEV_OA_SECRET_KEY)
                t0 = time.perf_counter()
                headers = {"Content-Type": "application/json", SIGNATURE_HEADER: f"mac={mac_hex}"}
                async with http.post(base, data=body, headers=headers) as response:
                    assert response.status == 200
                acks.append(time.perf_counter() - t0)
        await channel.settle()
        total = time.perf_counter() - started
    answered = sum(
        len(inbox)
        for app in _walk(server.app)
        if ZALO_SIM in app
        for inbox in app[ZALO_SIM].inboxes.values()
    )
    acks.sort()
    events = people * burst
    print(f"run {run_id}: {events} webhooks ({people} people x {burst}), {answered} answers")
    print(
        f"ack: median {statistics.median(acks) * 1000:.1f} ms, "
        f"p99 {acks[int(len(acks) * 0.99) - 1] * 1000:.1f} ms, max {acks[-1] * 1000:.1f} ms"
    )
    print(f"all applied and answered in {total:.2f} s ({events / total:.0f} events/s)")


def _walk(app: web.Application) -> Iterator[web.Application]:
    """The app and its sub-apps (the mounted simulator holds what the OA sent)."""
    yield app
    for sub in app._subapps:
        yield from _walk(sub)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--burst", type=int, default=30)
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--run-id", default=uuid.uuid4().hex[:8], help="prefix of the ids")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.burst, args.redis, args.run_id))
