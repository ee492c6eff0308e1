"""Benchmark: what the support console's records cost per turn.

Runs full mobile registrations through the engine alone (as bench/engine_turns.py: memory
store, in-process fakes, no argon2) three ways: no recorder; the recorder observing (the
cost inside a turn: building its record, masking nothing yet); and the background write
of those records - masked, encrypted, indexed - into SQLite, and into PostgreSQL when
REGBOT_TEST_DATABASE_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test)
answers. Run: .venv/bin/python bench/console_records.py [--registrations N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.engine_turns import build, register
from bot.accounts.repository import make_engine
from bot.accounts.schema import migrate
from bot.i18n import Translator
from bot.keys import SecretKeys
from bot.state.memory import MemoryStore
from bot.support.records import Recorder
from bot.support.store import SupportStore

KEYS = SecretKeys.from_secret("bench-secret-0123456789")
TURNS = 12


async def turns(count: int, recorder: Recorder | None) -> float:
    """Seconds per turn of `count` registrations, the recorder observing (if any)."""
    engine, sms = build(MemoryStore())
    if recorder is not None:
        engine.add_observer(recorder.observe)
    tag = uuid.uuid4().hex[:6]
    started = time.perf_counter()
    for n in range(count):
        await register(engine, sms, n, tag)
    return (time.perf_counter() - started) / (count * TURNS)


async def written(label: str, url: str, count: int, **options: object) -> None:
    engine = make_engine(url, **options)  # type: ignore[arg-type]
    try:
        await migrate(engine)
        recorder = Recorder(SupportStore(engine, KEYS), Translator.load(), KEYS)
        observed = await turns(count, recorder)
        started = time.perf_counter()
        await recorder.settle()
        flush = (time.perf_counter() - started) / (count * TURNS)
        print(
            f"{label:<11} in the turn {observed * 1e6:>7.1f} us/turn;  "
            f"background write {flush * 1e6:>7.1f} us/turn ({1 / flush:>6.0f} turns/s)"
        )
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=300)
    count = parser.parse_args().registrations
    print(f"{count} full mobile registrations, {TURNS} turns each, memory store")
    print(f"{'no recorder':<11} in the turn {await turns(count, None) * 1e6:>7.1f} us/turn")
    with tempfile.TemporaryDirectory() as folder:
        await written("sqlite", f"sqlite+aiosqlite:///{folder}/bench.sqlite3", count)
    url = os.environ.get(
        "REGBOT_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        print(f"postgresql  skipped: {type(exc).__name__}")
        await admin.dispose()
        return
    try:
        options = {"connect_args": {"server_settings": {"search_path": schema}}}
        await written("postgresql", url, count, **options)
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
