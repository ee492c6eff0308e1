"""regbot started while its database and its Redis are down is there when they come back:
/healthz says 503 meanwhile, a caller is told to try again, what they typed once Redis
answers is kept through the database's outage, and the schema is brought up to date when
the database first answers - no restart, as CONTRACTS' /healthz describes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from tests.e2e.stories import CALLER, Served, free_port, serve_env, spawn, stop
from tests.support.tcp_gate import TcpGate

SUMMARY = ["1", "1", "Nguyen Van An", "17051990", "001090012345", "1", "1"]


async def health(http: aiohttp.ClientSession, served: Served) -> int:
    """/healthz's status, once the service listens (its log says why it never did)."""
    for _ in range(200):
        assert served.process.poll() is None, served.log()
        try:
            async with http.get(served.url + "/healthz") as response:
                return response.status
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"regbot serve does not listen:\n{served.log()}")


async def until_healthy(http: aiohttp.ClientSession, served: Served, seconds: float) -> None:
    for _ in range(int(seconds / 0.2)):
        if await health(http, served) == 200:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never said 200:\n{served.log()}")


async def dial(http: aiohttp.ClientSession, served: Served, inputs: list[str]) -> str:
    form = {"sessionId": "outage-1", "serviceCode": "*123#", "phoneNumber": CALLER}
    async with http.post(served.url + "/ussd", data={**form, "text": "*".join(inputs)}) as r:
        assert r.status == 200
        return await r.text()


async def test_regbot_started_while_its_database_and_redis_are_down_serves_once_they_answer(
    tmp_path: Path, fresh_database: str, redis_url: str
) -> None:
    database = urlsplit(fresh_database)
    db_gate = TcpGate(database.hostname or "127.0.0.1", database.port or 5432)
    redis = urlsplit(redis_url)
    redis_gate = TcpGate(redis.hostname or "127.0.0.1", redis.port or 6379)
    gated_db = database._replace(netloc=f"{database.username}@127.0.0.1:{db_gate.port}")
    env = serve_env(
        tmp_path,
        DATABASE_URL=gated_db.geturl(),
        REDIS_URL=f"redis://127.0.0.1:{redis_gate.port}/0",
    )
    served = spawn(env, tmp_path / "serve.log", free_port())
    try:
        async with aiohttp.ClientSession() as http:
            assert await health(http, served) == 503  # started, and says it cannot serve
            said = await dial(http, served, [])
            assert said.startswith("END ") and "Thu lai" in said  # Redis: try again

            await redis_gate.open()
            assert await health(http, served) == 503  # the database is still down
            for typed in range(len(SUMMARY) + 1):  # typed while the database is down
                said = await dial(http, served, SUMMARY[:typed])
                assert said.startswith("CON "), said
            assert "Xac nhan" in said  # the summary of what was typed
            said = await dial(http, served, [*SUMMARY, "1"])  # confirm: needs the database
            assert said.startswith("CON ") and "Thu lai" in said, said

            await db_gate.open()
            await until_healthy(http, served, 30.0)  # migrated in the background
            said = await dial(http, served, [*SUMMARY, "1", "1"])  # confirm again
            assert "OTP" in said, said  # nothing typed was lost
        # in a thread: the gates run on this loop, and regbot's last writes pass them
        assert await asyncio.to_thread(stop, served) == 0
        log = served.log()
        assert "regbot starts and tries again" in log
        assert "the accounts database answers now" in log
        assert "Traceback" not in log and "nobody" not in log
    finally:
        await asyncio.to_thread(stop, served)
        await db_gate.close()
        await redis_gate.close()
