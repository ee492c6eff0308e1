"""argon2id on this machine: OWASP's equivalent minimums timed, and whether hashing
threads leave the event loop's thread alone (the GIL).

    .venv/bin/python bench/argon2_cost.py [--rounds 20]

Prints each OWASP row's time per hash (one thread), the hashes a core can do per
second, and a pure-Python loop's speed beside a hashing thread and beside a thread that
holds the GIL: how the pool in `bot.passwords` was chosen (README, "Password hashing").
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.passwords import DEFAULT_COST, OWASP_MINIMUMS, Argon2Cost, PasswordHasher

PASSWORD = "Sao*Mai#2024"


def per_hash(cost: Argon2Cost, rounds: int) -> float:
    hasher = PasswordHasher(cost)
    hasher.hash(PASSWORD)  # warm-up
    started = time.perf_counter()
    for _ in range(rounds):
        hasher.hash(PASSWORD)
    return (time.perf_counter() - started) / rounds


def python_loop(n: int = 3_000_000) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - started


def beside(work: object) -> float:
    """The Python loop's time while `work` runs in another thread."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            work()  # type: ignore[operator]

    thread = threading.Thread(target=spin)
    thread.start()
    time.sleep(0.05)
    try:
        return python_loop()
    finally:
        stop.set()
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"argon2id, one thread, {args.rounds} hashes each; {os.cpu_count()} cores (shared)")
    rows = [Argon2Cost(t, m, 1) for m, t in OWASP_MINIMUMS]
    for cost in [*rows, Argon2Cost(3, 65536, 4)]:
        seconds = per_hash(cost, args.rounds)
        mark = "  <- default" if cost == DEFAULT_COST else ""
        owasp = "OWASP minimum" if cost.meets_owasp() and cost in rows else "argon2-cffi's own"
        print(
            f"  {cost!s:<36} {seconds * 1000:6.1f} ms  {1 / seconds:5.1f} hashes/s/core"
            f"  ({owasp}){mark}"
        )
    idle = python_loop()
    hasher = PasswordHasher(DEFAULT_COST)
    with_hash = beside(lambda: hasher.hash(PASSWORD))
    with_python = beside(lambda: python_loop(100_000))
    print(
        f"a pure-Python loop: {idle * 1000:.0f} ms alone, {with_hash * 1000:.0f} ms beside a "
        f"hashing thread ({100 * idle / with_hash:.0f} % speed: argon2-cffi releases the GIL), "
        f"{with_python * 1000:.0f} ms beside a thread holding the GIL "
        f"({100 * idle / with_python:.0f} %)"
    )


if __name__ == "__main__":
    main()
