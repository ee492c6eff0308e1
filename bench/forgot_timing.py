"""Does a forgot-password request that matches an account answer later than one that does
not? Measured over `POST /ussd` against `regbot serve` (simulators in-process, so the SMS
a match hands off runs on the same loop as the reply), matched and unmatched requests
interleaved at random, each on its own account, caller and session.

    .venv/bin/python bench/forgot_timing.py               # 300 of each
    .venv/bin/python bench/forgot_timing.py --pairs 1000

Prints the latency of the request that names the phone (the one that may hand off an
SMS) for both groups, the difference of medians with a bootstrap 95% interval, and a
Mann-Whitney U test. Shortcuts: password hashing "fast" (no password is set here), the
SMS gateway, carrier and BHXH are the in-process simulators.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ussd_load import free_port, spawn, stop, wait_healthy  # noqa: E402 - beside this file

from bot.accounts.model import AccountKind, IdType, NewAccount, RegistrationMethod  # noqa: E402
from bot.accounts.repository import SqlAccounts, make_engine  # noqa: E402
from bot.accounts.schema import migrate  # noqa: E402
from bot.keys import SecretKeys  # noqa: E402
from bot.passwords import PasswordHasher  # noqa: E402
from tests.support.evidence import evidence_for  # noqa: E402


def account_of(n: int) -> tuple[str, str]:
    """(CCCD, E.164 phone) of the n-th account: valid forms, all distinct."""
    return f"0010900{n:05d}", f"+8491{n:07d}"


def stranger_id(rng: random.Random) -> str:
    return f"0790850{rng.randrange(100000):05d}"


async def create_accounts(data_dir: Path, secret: str, count: int) -> None:
    db = make_engine(f"sqlite+aiosqlite:///{data_dir / 'regbot.sqlite3'}")
    await migrate(db)
    keys = SecretKeys.from_secret(secret)
    accounts = SqlAccounts(db, keys)
    password_hash = PasswordHasher("fast").hash("Hoa-Sen#2024")
    for n in range(count):
        id_number, phone = account_of(n)
        account = NewAccount(
            kind=AccountKind.CITIZEN,
            id_type=IdType.CCCD,
            id_number=id_number,
            full_name="Nguyen Van Bench",
            verification_level=2,
            method=RegistrationMethod.MOBILE,
            phone=phone,
            password_hash=password_hash,
        )
        await accounts.create(account, evidence_for(account, keys))  # as a level-2 account has
    await db.dispose()


async def request_code(http: aiohttp.ClientSession, url: str, id_number: str, phone: str) -> float:
    """First screen -> forgot password -> citizen -> ID -> phone; the last one timed."""
    session, caller, inputs = uuid.uuid4().hex, f"+8498{secrets.randbelow(10**7):07d}", []

    async def press(text: str | None) -> tuple[str, float]:
        if text is not None:
            inputs.append(text)
        form = {"sessionId": session, "phoneNumber": caller, "text": "*".join(inputs)}
        started = time.perf_counter()
        async with http.post(url + "/ussd", data=form) as response:
            body = await response.text()
        return body, time.perf_counter() - started

    first, _ = await press(None)
    forgot = re.search(r"^(\d+) Quen mat khau", first, re.MULTILINE)
    assert forgot, first
    await press(forgot.group(1))
    await press("1")
    await press(id_number)
    body, seconds = await press("0" + phone[3:])
    assert "09" in body or "Neu so giay to" in body, body
    return seconds


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, no ties)."""
    ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    rank_a = sum(rank for rank, (_, group) in enumerate(ranked, start=1) if group == 0)
    n1, n2 = len(a), len(b)
    u = rank_a - n1 * (n1 + 1) / 2
    mean, sd = n1 * n2 / 2, math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    z = (u - mean) / sd
    return math.erfc(abs(z) / math.sqrt(2))


def bootstrap_interval(a: list[float], b: list[float], rng: random.Random) -> tuple[float, float]:
    diffs = sorted(
        statistics.median(rng.choices(a, k=len(a))) - statistics.median(rng.choices(b, k=len(b)))
        for _ in range(2000)
    )
    return diffs[50], diffs[1949]


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(len(ordered) * 0.9)]
    return (
        f"{name:<10} n={len(values):4d}  median {statistics.median(values) * 1000:6.3f} ms  "
        f"mean {statistics.fmean(values) * 1000:6.3f} ms  p90 {p90 * 1000:6.3f} ms"
    )


async def measure(pairs: int, seed: int) -> None:
    rng = random.Random(seed)
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        await create_accounts(data_dir, secret, pairs)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.endswith("_URL")}
        env.update(
            REGBOT_DATA_DIR=str(data_dir),
            REGBOT_SECRET_KEY=secret,
            REGBOT_PASSWORD_HASHING="fast",
        )
        process = spawn([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_healthy(url, process)
            plan = [("matched", n) for n in range(pairs)] + [("unmatched", n) for n in range(pairs)]
            rng.shuffle(plan)
            times: dict[str, list[float]] = {"matched": [], "unmatched": []}
            async with aiohttp.ClientSession() as http:
                for n in range(20):  # warm up the process (imports, caches, connections)
                    await request_code(http, url, stranger_id(rng), f"+8497{n:07d}")
                for group, n in plan:
                    id_number, phone = account_of(n)
                    if group == "unmatched":
                        id_number = stranger_id(rng)
                    times[group].append(await request_code(http, url, id_number, phone))
                    await asyncio.sleep(0.002)  # let handed-off work run between requests
        finally:
            stop(process)
    matched, unmatched = times["matched"], times["unmatched"]
    low, high = bootstrap_interval(matched, unmatched, rng)
    print("forgot password over POST /ussd, the request that names the phone:")
    print(describe("matched", matched))
    print(describe("unmatched", unmatched))
    difference = (statistics.median(matched) - statistics.median(unmatched)) * 1000
    print(
        f"median difference (matched - unmatched): {difference:+.3f} ms, "
        f"95% bootstrap interval [{low * 1000:+.3f}, {high * 1000:+.3f}] ms; "
        f"Mann-Whitney U p = {mann_whitney_p(matched, unmatched):.3f}"
    )
    print("shortcuts: REGBOT_PASSWORD_HASHING=fast; SMS, carrier, BHXH simulators in-process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=300, help="requests of each kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(measure(args.pairs, args.seed))


if __name__ == "__main__":
    main()
