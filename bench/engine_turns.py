"""Benchmark: full mobile-subscriber registrations through the dialog engine alone.

Prints turns per second and microseconds per turn with the memory store, with the
Redis store (REDIS_URL, default redis://127.0.0.1:6379/0), and with the Redis store and
the limit counters in Redis as deployed; the external systems and the
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
from bot.passwords import DEFAULT_COST, FAST_COST, PasswordHasher, PasswordPool, entry_digest
from bot.state.memory import MemoryCounters, MemoryStore
from bot.state.redis import RedisCounters, RedisStore, redis_client
from bot.state.store import Counters, StateStore
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

    def digest(self, salt: bytes, password: str) -> bytes:
        return entry_digest(b"bench", salt, password)  # what the pool does, on the loop

    async def hash(self, password: str, salt: bytes | None = None) -> str:
        return "$argon2id$bench"


def build(store: StateStore, counters: Counters | None = None) -> tuple[DialogEngine, FakeSms]:
    keys = SecretKeys.from_secret("bench-secret-0123456789")
    sms = FakeSms()
    adapters = Adapters(
        store=store,
        counters=counters or MemoryCounters(),
        accounts=MemoryAccounts(keys.identity_hash),
        sms=sms,
        carrier=Carrier(),
        insured=FakeInsured(),
        mssp=FakeMssp(),
        public_certificates=RefusingCertificates(),
        gov_certificates=RefusingCertificates(),
        passwords=PasswordPool(PasswordHasher(FAST_COST), confirmation_key=b"bench"),  # unused
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
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        turns += await register(engine, sms, n, tag)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # wall time waits for Redis and for the neighbours on a shared machine; this
    # process's CPU a turn depends much less on them
    print(
        f"{label:<14} {count:>6} registrations {turns:>7} turns  "
        f"{turns / seconds:>9.0f} turns/s  {seconds / turns * 1e6:>7.1f} us/turn  "
        f"(CPU of this process {cpu / turns * 1e6:>6.1f} us/turn)"
    )


def hashing(rounds: int = 20) -> None:
    hasher = PasswordHasher(DEFAULT_COST)
    started = time.perf_counter()
    for _ in range(rounds):
        hashed = hasher.hash(PASSWORD)
    hash_ms = (time.perf_counter() - started) / rounds * 1e3
    started = time.perf_counter()
    for _ in range(rounds):
        hasher.verify(hashed, PASSWORD)
    verify_ms = (time.perf_counter() - started) / rounds * 1e3
    print(
        f"{DEFAULT_COST} (the default): hash {hash_ms:.1f} ms, verify {verify_ms:.1f} ms; "
        f"a registration hashes once: {hash_ms:.1f} ms"
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
        await run(  # as deployed: the limit counters in Redis too
            "redis+counters",
            *build(RedisStore(client, prefix=prefix), RedisCounters(client, prefix=prefix)),
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
