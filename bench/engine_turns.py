"""Benchmark: full mobile-subscriber registrations through the dialog engine alone.

Prints turns per second and microseconds per turn with the memory store and with the
Redis store (REDIS_URL, default redis://127.0.0.1:6379/0); the external systems and the
accounts database are in-process fakes so that only the engine, the dialog, the codec
and the store are measured. Password hashing (argon2id, production cost) is measured
separately. Run: .venv/bin/python bench/engine_turns.py [--registrations N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fakes of tests/support

from bot.bootstrap import Adapters, bootstrap
from bot.config import Settings
from bot.engine import DialogEngine
from bot.engine.messages import Inbound
from bot.keys import SecretKeys
from bot.passwords import PasswordHasher
from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.redis import RedisStore, redis_client
from bot.state.store import StateStore
from integrations.carrier import Subscriber, SubscriberOwner
from tests.support.fakes import (
    FakeInsured,
    FakeMssp,
    FakeSms,
    MemoryAccounts,
    RefusingCertificates,
)

PASSWORD = "Hoa-Sen#2024"


class Carrier:
    """Every number is registered to the person the benchmark types for it."""

    async def lookup(self, msisdn: str) -> Subscriber | None:
        n = int(msisdn[-6:])
        owner = SubscriberOwner(f"001090{n:06d}", "Nguyễn Văn An", date(1990, 5, 17))
        return Subscriber(msisdn, "Viettel", True, owner)


class PlainHasher:
    """Keeps argon2's cost out of the engine figure (it is measured on its own below)."""

    async def hash_async(self, password: str) -> str:
        return "$argon2id$bench"

    async def verify_async(self, password_hash: str, password: str) -> bool:
        return True


def build(store: StateStore) -> tuple[DialogEngine, FakeSms]:
    keys = SecretKeys.from_secret("bench-secret-0123456789")
    sms = FakeSms()
    adapters = Adapters(
        store=store,
        counters=MemoryCounters(),
        accounts=MemoryAccounts(keys.identity_hash),
        sms=sms,
        carrier=Carrier(),
        insured=FakeInsured(),
        mssp=FakeMssp(),
        public_certificates=RefusingCertificates(),
        gov_certificates=RefusingCertificates(),
    )
    runtime = bootstrap(
        Settings(data_dir=Path("/tmp")),
        adapters,
        keys=keys,
        public_url="https://bench.example",
        hashing=PlainHasher(),
    )
    return runtime.engine, sms


async def register(engine: DialogEngine, sms: FakeSms, n: int, tag: str) -> int:
    user, phone = f"{tag}{n}", f"+8491{n:07d}"
    inputs = [
        "",
        "1",
        "1",
        "Nguyễn Văn An",
        "17/05/1990",
        f"001090{n % 1_000_000:06d}",
        "0" + phone[3:],
        "1",
        "1",
    ]
    for text in inputs:
        await engine.handle(Inbound("bench", user, text))
    code = sms.to(phone)[-1].split(": ")[1][:6]
    for text in (code, PASSWORD, PASSWORD):
        reply = await engine.handle(Inbound("bench", user, text))
    assert reply.end, reply
    return len(inputs) + 3


async def run(label: str, engine: DialogEngine, sms: FakeSms, count: int) -> None:
    tag = uuid.uuid4().hex[:6]
    await register(engine, sms, 999_999, tag + "w")  # warm-up
    turns = 0
    started = time.perf_counter()
    for n in range(count):
        turns += await register(engine, sms, n, tag)
    seconds = time.perf_counter() - started
    print(
        f"{label:<14} {count:>6} registrations {turns:>7} turns  "
        f"{turns / seconds:>9.0f} turns/s  {seconds / turns * 1e6:>7.1f} us/turn"
    )


def hashing(rounds: int = 20) -> None:
    hasher = PasswordHasher("standard")
    started = time.perf_counter()
    for _ in range(rounds):
        hashed = hasher.hash(PASSWORD)
    hash_ms = (time.perf_counter() - started) / rounds * 1e3
    started = time.perf_counter()
    for _ in range(rounds):
        hasher.verify(hashed, PASSWORD)
    verify_ms = (time.perf_counter() - started) / rounds * 1e3
    print(
        f"argon2id (production cost): hash {hash_ms:.1f} ms, verify {verify_ms:.1f} ms; "
        f"a registration does one of each: {hash_ms + verify_ms:.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=2000)
    args = parser.parse_args()
    print(f"full mobile registrations, 12 turns each; python {os.sys.version.split()[0]}")
    await run("memory store", *build(MemoryStore()), args.registrations)
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis_client(url)
    try:
        await client.ping()
    except Exception as exc:
        print(f"redis store    skipped: {url} unreachable ({type(exc).__name__})")
    else:
        prefix = f"bench:{uuid.uuid4().hex[:8]}:"
        await run(
            "redis store",
            *build(RedisStore(client, prefix=prefix)),
            max(1, args.registrations // 4),
        )
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
    hashing()


if __name__ == "__main__":
    asyncio.run(main())
