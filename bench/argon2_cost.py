"""argon2id on this machine: OWASP's equivalent minimums timed, and whether hashing
threads leave the event loop's thread alone (the GIL).

    .venv/bin/python bench/argon2_cost.py [--rounds 20]

Prints each OWASP row's CPU time per hash (one thread), the hashes a core can do per
second, and a pure-Python loop's speed beside a hashing thread and beside a thread that
holds the GIL (wall-clock: run it on a quiet machine): how the pool in `bot.passwords`
was chosen (README, "Password hashing").
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
    started = time.process_time()  # CPU time (libargon2's own threads too when p>1)
    for _ in range(rounds):
        hasher.hash(PASSWORD)
    return (time.process_time() - started) / rounds


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
    print(f"argon2id, one thread, {args.rounds} hashes each, CPU time; {os.cpu_count()} cores")
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
    hashing, holding = idle / with_hash, idle / with_python
    if hashing > 0.8 and holding < 0.6:
        verdict = "hashing releases the GIL"
    elif hashing < 0.6 and holding < 0.6 and hashing / holding < 1.2:
        verdict = "hashing holds the GIL, or the machine is busy: run it again when quiet"
    else:
        verdict = "inconclusive: run it again when the machine is quiet"
    print(
        f"a pure-Python loop: {idle * 1000:.0f} ms alone, {with_hash * 1000:.0f} ms beside a "
        f"hashing thread ({100 * hashing:.0f} % speed), {with_python * 1000:.0f} ms beside a "
        f"thread holding the GIL ({100 * holding:.0f} %): {verdict}"
    )


if __name__ == "__main__":
    main()
