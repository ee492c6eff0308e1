"""Signing in to the console over plain HTTP, as a stranger can: a burst of sign-ins waits
on a small hashing pool of its own - past it, "try again in a moment" in the agent's
language - while citizens' turns and their own hashing pool go on untouched."""

from __future__ import annotations

import asyncio
import threading

from bot.passwords import PasswordHasher
from bot.support.agents import Role
from bot.web.app import CONSOLE_PASSWORDS, PASSWORDS, SIGN_IN_QUEUE, SIGN_IN_THREADS
from bot.web.console import SUPPORT
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import CALLER, PASSWORD, AgentBrowser, Handset


class HeldChecks(PasswordHasher):
    """argon2id at the test cost, each check held until `go` is set: a slow hash, made
    slow on purpose, so that a burst fills the pool."""

    def __init__(self) -> None:
        super().__init__("fast")
        self.go = threading.Event()
        self.started: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.started.append(password)
        self.go.wait(10)
        return super().verify(password_hash, password)


async def burst(agent: AgentBrowser, count: int) -> list[asyncio.Task[tuple[int, str, str]]]:
    await agent.get("/console/signin")
    return [
        asyncio.create_task(agent.post("/console/signin", name=f"stranger{n}", password="x"))
        for n in range(count)
    ]


async def refused_at_once(tasks: list[asyncio.Task[tuple[int, str, str]]], count: int) -> None:
    """Wait until `count` of the sign-ins have been answered (the others wait on a hash)."""
    async with asyncio.timeout(10):
        pending = set(tasks)
        while len(tasks) - len(pending) < count:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)


async def test_a_burst_of_sign_ins_past_the_queue_is_asked_to_try_again_in_a_moment(
    bot_app: BotHarness,
):
    held = HeldChecks()
    bot_app.app[CONSOLE_PASSWORDS].hasher = held
    room = SIGN_IN_THREADS + SIGN_IN_QUEUE
    agent = AgentBrowser(bot_app.client)
    tasks = await burst(agent, room + 7)  # unknown names: the decoy hash, in the same pool
    try:
        await refused_at_once(tasks, 7)
        refused = [task.result() for task in tasks if task.done()]
        assert [status for status, _, _ in refused] == [503] * 7
        assert all("hãy thử lại sau giây lát" in page for _, page, _ in refused)

        # meanwhile a citizen's screen answers, and their own hashing pool is idle
        screen = await asyncio.wait_for(Handset(bot_app.client, CALLER).dial(), 2)
        assert screen.startswith("CON ")
        assert bot_app.app[PASSWORDS].in_flight == 0
        assert len(held.started) == SIGN_IN_THREADS  # one check at a time
    finally:
        held.go.set()
    answered = await asyncio.gather(*tasks)
    waited = [(status, page) for status, page, _ in answered if status != 503]
    assert len(waited) == room  # those that waited got an answer: no such name
    assert all(s == 401 and "không đúng" in page for s, page in waited)


async def test_an_agent_who_reads_english_is_asked_in_english(bot_app: BotHarness):
    await bot_app.app[SUPPORT].agents.add("lan", Role.AGENT, PASSWORD)
    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("lan")
    await agent.post("/console/lang", lang="en", next="/console")
    status, page, at = await agent.post("/console/signout")  # the language stays
    assert at == "/console/signin" and "You are signed out." in page
    held = HeldChecks()
    bot_app.app[CONSOLE_PASSWORDS].hasher = held
    room = SIGN_IN_THREADS + SIGN_IN_QUEUE
    tasks = await burst(agent, room + 1)
    try:
        await refused_at_once(tasks, 1)
        [(status, page, _)] = [task.result() for task in tasks if task.done()]
    finally:
        held.go.set()
    await asyncio.gather(*tasks)
    assert status == 503 and "try again in a moment" in page
