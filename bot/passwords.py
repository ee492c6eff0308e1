"""Password hashing: argon2id at a measured cost, in a bounded pool that never starves turns.

argon2-cffi calls libargon2 through cffi, which releases the GIL for the whole call
(measured: a pure-Python loop on the event loop's thread runs at 95 % of its idle speed
while another thread hashes, and at 41 % next to a thread that holds the GIL), so the
pool is threads, not processes: no pickling, no second interpreter, and the same
memory. It is bounded twice: few threads (a core stays free for turns) and a short queue
(a burst gets "try again in a moment" rather than a wait past the gateway's patience).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet, Argon2id: equally strong (m KiB, t) pairs, p=1.
OWASP_MINIMUMS: Final = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


@dataclass(frozen=True, slots=True)
class Argon2Cost:
    """argon2id's parameters. The default is one of OWASP's equally strong minimums
    (12 MiB, t=3, p=1): the most memory-hard of them that leaves room for 20
    registrations a second per core, measured with the whole turn around it (19 MiB, t=2
    did not): see the README."""

    time_cost: int = 3
    memory_kib: int = 12288
    parallelism: int = 1  # >1 makes libargon2 start threads of its own, outside the pool

    def meets_owasp(self) -> bool:
        """At least one of OWASP's equivalent minimums (more passes count for more)."""
        return self.parallelism >= 1 and any(
            self.time_cost >= t and self.memory_kib >= m for m, t in OWASP_MINIMUMS
        )

    def __str__(self) -> str:
        return f"argon2id m={self.memory_kib} KiB, t={self.time_cost}, p={self.parallelism}"


DEFAULT_COST: Final = Argon2Cost()
FAST_COST: Final = Argon2Cost(time_cost=1, memory_kib=1024, parallelism=1)  # tests only


class PasswordHasher:
    """argon2id, synchronous: what the pool's threads run. `cost` may be a mode: "fast"
    (tests) or anything else for the default."""

    def __init__(self, cost: Argon2Cost | str | None = None) -> None:
        if isinstance(cost, str):
            cost = FAST_COST if cost == "fast" else DEFAULT_COST
        self.cost = cost or DEFAULT_COST
        self._hasher = _Argon2(
            time_cost=self.cost.time_cost,
            memory_cost=self.cost.memory_kib,
            parallelism=self.cost.parallelism,
            type=Type.ID,
        )

    def hash(self, password: str, salt: bytes | None = None) -> str:
        return self._hasher.hash(password, salt=salt)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class Hashing(Protocol):
    """argon2id off the event loop: a PasswordPool in a server, UnpooledHashing in a
    command that hashes once."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...


class UnpooledHashing:
    """argon2id on asyncio's default executor, unbounded: only for a command line that
    hashes once (`regbot agents add`). Anything a stranger can start - a person's
    registration, a console sign-in - goes through a PasswordPool."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self.hasher.verify, password_hash, password)


class HashingBusy(Exception):
    """The pool's queue is full: the person is asked to try again in a moment."""


HASHING_NICE: Final = 10  # below the event loop's thread: a turn preempts a hash


def _yield_to_turns() -> None:
    """Lower this hashing thread's scheduling priority by HASHING_NICE, relative to the
    process's (Linux: a thread has its own nice value). Under a burst the loop's thread -
    and Redis, PostgreSQL - run first, and argon2id takes the CPU they leave; raising
    nice needs no privilege."""
    with contextlib.suppress(OSError, AttributeError):
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, os.getpriority(os.PRIO_PROCESS, me) + HASHING_NICE)


def default_threads(workers: int = 1) -> int:
    """Hashing threads per process: the cores but one, shared by the worker processes."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, (cores - 1) // max(1, workers))


T = TypeVar("T")
WaitObserver = Callable[[float], None]  # seconds a job waited for a thread


class PasswordPool:
    """argon2id off the event loop, at most `threads` at a time and `queue_limit` waiting.

    A request past the queue raises HashingBusy at once: with the default cost a full
    queue of 32 is about a second of one thread's work, already longer than a person
    should wait for a screen. The queue length and each job's wait are observable.
    """

    def __init__(
        self,
        hasher: PasswordHasher,
        *,
        confirmation_key: bytes,
        threads: int = 1,
        queue_limit: int = 32,
        on_wait: WaitObserver | None = None,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self.hasher = hasher
        self._confirmation_key = confirmation_key
        self.threads = max(1, threads)
        self.queue_limit = max(0, queue_limit)
        self.in_flight = 0  # submitted and not finished; counted on the loop's thread
        self.on_wait = on_wait
        self.on_refused = on_refused
        self._executor = ThreadPoolExecutor(
            self.threads, thread_name_prefix="argon2", initializer=_yield_to_turns
        )

    @property
    def waiting(self) -> int:
        """Jobs queued behind the busy threads (the queue-length metric)."""
        return max(0, self.in_flight - self.threads)

    async def hash(self, password: str, salt: bytes | None = None) -> str:
        return await self._run(self.hasher.hash, password, salt)

    def digest(self, salt: bytes, password: str) -> bytes:
        """The first entry's keyed digest (microseconds, on the loop: no pool needed)."""
        return entry_digest(self._confirmation_key, salt, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self.hasher.verify, password_hash, password)

    def close(self) -> None:
        """Finish what runs, drop what waits (its turn is over with the process)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        if self.in_flight >= self.threads + self.queue_limit:
            if self.on_refused is not None:
                self.on_refused()
            raise HashingBusy
        submitted = time.perf_counter()
        started: list[float] = []

        def job() -> T:
            started.append(time.perf_counter())
            return work(*args)

        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        finally:
            self.in_flight -= 1
            if self.on_wait is not None and started:
                self.on_wait(started[0] - submitted)


# -- the first entry, until its confirmation -------------------------------------------

SALT_BYTES: Final = 16


def new_salt() -> bytes:
    """Per password entry: keys the confirmation digest and salts the argon2id hash."""
    return os.urandom(SALT_BYTES)


def entry_digest(key: bytes, salt: bytes, password: str) -> bytes:
    """HMAC-SHA256 of the first entry, keyed by a secret derived from REGBOT_SECRET_KEY and
    salted per entry: what the sealed dialog state keeps until the confirmation, so that
    argon2id runs once, on a confirmed password (a mismatch costs microseconds)."""
    return hmac.new(key, salt + password.encode("utf-8"), hashlib.sha256).digest()


def confirms(key: bytes, salt: bytes, digest: bytes, typed: str) -> bool:
    return hmac.compare_digest(entry_digest(key, salt, typed), digest)
