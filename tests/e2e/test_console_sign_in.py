"""Signing in to and out of the console over plain HTTP. A burst of sign-ins, which anyone
can send, waits on a small hashing pool of its own - past it, "try again in a moment" in
the agent's language - while citizens' turns and their own hashing pool go on untouched.
Signing out ends the agent's sessions on every device, even a copied cookie."""

from __future__ import annotations

import asyncio
import threading
from http.cookies import Morsel

from aiohttp.test_utils import TestClient

from bot.passwords import PasswordHasher
from bot.support.agents import Role
from bot.web.app import CONSOLE_PASSWORDS, PASSWORDS, SIGN_IN_QUEUE, SIGN_IN_THREADS
from bot.web.console import SUPPORT
from bot.web.console.guard import COOKIE
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import CALLER, PASSWORD, AgentBrowser, Handset


class HeldChecks(PasswordHasher):
    """argon2id at the test cost, each check held until `go` is set: a slow hash, made
    slow on purpose, so that a burst fills the pool."""

    def __init__(self) -> None:
        super().__init__("fast")
        self.go = threading.Event()
        self.started: list[str] = []
        self.checking = threading.Event()  # a check has begun

    def verify(self, password_hash: str, password: str) -> bool:
        self.started.append(password)
        self.checking.set()
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
        # the pool's thread may not have reached its check yet (the decoy hash first)
        assert await asyncio.to_thread(held.checking.wait, 10)
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


def session_cookie(client: TestClient) -> Morsel[str]:
    [cookie] = [c for c in client.session.cookie_jar if c.key == COOKIE]
    return cookie


def use_cookie(client: TestClient, cookie: Morsel[str]) -> None:
    """The browser now holds this cookie, and only it (a copy, another device's)."""
    jar = client.session.cookie_jar
    jar.clear()
    jar.update_cookies({cookie.key: cookie}, response_url=client.make_url("/console/"))


async def test_a_copied_session_cookie_opens_nothing_once_the_agent_signs_out(
    bot_app: BotHarness,
):
    await bot_app.app[SUPPORT].agents.add("lan", Role.SUPERVISOR, PASSWORD)
    client = bot_app.client
    agent = AgentBrowser(client)
    await agent.sign_in("lan")
    copied = session_cookie(client)  # e.g. read off a shared computer
    status, page, at = await agent.post("/console/signout")
    assert at == "/console/signin" and "Bạn đã đăng xuất." in page

    use_cookie(client, copied)
    for path in ("/console", "/console/audit", "/console/funnel"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 303 and answer.headers["Location"] == "/console/signin", path
    assert (await client.get("/console/stream")).status == 401

    await agent.sign_in("lan")  # signing in again works, with a new session
    status, log = await agent.get("/console/audit")
    assert status == 200 and "audit-sign_out" in log


async def test_signing_out_on_one_device_ends_the_agent_s_session_on_the_other(
    bot_app: BotHarness,
):
    await bot_app.app[SUPPORT].agents.add("lan", Role.AGENT, PASSWORD)
    await bot_app.app[SUPPORT].agents.add("minh", Role.AGENT, PASSWORD)
    client = bot_app.client
    desk, laptop, colleague = AgentBrowser(client), AgentBrowser(client), AgentBrowser(client)
    await desk.sign_in("lan")
    at_the_desk = session_cookie(client)
    client.session.cookie_jar.clear()
    await colleague.sign_in("minh")
    minh_s = session_cookie(client)
    client.session.cookie_jar.clear()
    await laptop.sign_in("lan")
    status, page, at = await laptop.post("/console/signout")
    assert at == "/console/signin"

    use_cookie(client, at_the_desk)
    status, page = await desk.get("/console")
    assert status == 200 and 'action="/console/signin"' in page  # asked to sign in again
    use_cookie(client, minh_s)
    status, page = await colleague.get("/console")
    assert status == 200 and "minh" in page and 'action="/console/signout"' in page


async def test_an_agent_not_yet_signed_in_can_read_the_sign_in_page_in_english(
    bot_app: BotHarness,
):
    agent = AgentBrowser(bot_app.client)
    status, page = await agent.get("/console/signin")
    assert status == 200 and "Đăng nhập" in page
    status, page, at = await agent.post("/console/lang", lang="en", next="/console/signin")
    assert status == 200 and at == "/console/signin"
    assert "Sign in" in page


async def test_a_form_in_a_charset_no_browser_sends_is_refused_not_a_server_error(
    bot_app: BotHarness,
):
    agent = AgentBrowser(bot_app.client)
    await agent.get("/console/signin")
    response = await bot_app.client.post(
        "/console/signin",
        data=f"csrf={agent.csrf}&name=lan&password=x".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=bogus"},
    )
    assert response.status == 403
