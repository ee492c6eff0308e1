"""The console over plain HTTP: the old dashboard's address leads to it, nothing but the
sign-in page opens without a session, cookies are Secure in production, the live list
of every worker comes through the shared Redis stream, and operators manage agents and
retention from the command line."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.accounts.model import AccountsUnavailable
from bot.channels.console.chat import Console
from bot.cli import main
from bot.config import Settings
from bot.engine.messages import Action, Inbound
from bot.events import ConversationEvent, RedisStreamSink
from bot.i18n import Translator
from bot.keys import SecretKeys
from bot.state.redis import redis_client
from bot.support.agents import Role
from bot.support.desk import Delivered
from bot.support.live import LiveBoard
from bot.web.app import RUNTIME
from bot.web.console import SUPPORT, Support, console_app
from tests.support.pty_terminal import CTRL_C, CTRL_D, PtyRegbot


async def test_the_old_dashboard_leads_to_the_console_which_asks_to_sign_in(bot_app):
    client = bot_app.client
    moved = await client.get("/dashboard", allow_redirects=False)
    assert moved.status == 301 and moved.headers["Location"] == "/console"
    for path in ("/console", "/console/funnel", "/console/audit", "/console/c/ussd:" + "0" * 32):
        page = await client.get(path, allow_redirects=False)
        assert page.status == 303 and page.headers["Location"] == "/console/signin", path
    assert (await client.get("/console/stream")).status == 401
    assert (await client.post("/console/search", data={"number": "0912345678"})).status == 401
    signin = await client.get("/console/signin")
    assert signin.status == 200
    assert "default-src 'self'" in signin.headers["Content-Security-Policy"]
    body = await signin.text()
    assert (
        'name="csrf"' in body
        and "cdn" not in body.lower()
        and "http" not in body.split("<body>")[1].replace("http-equiv", "")
    )
    css = await client.get("/console/static/console.css")
    assert css.status == 200  # every asset is served by regbot


async def test_in_production_the_session_cookie_is_secure_http_only_and_same_site(tmp_path):
    settings = Settings(env="production", data_dir=tmp_path)
    app = web.Application()
    stub: Any = None
    app[SUPPORT] = Support(
        settings=settings,
        translator=Translator.load(),
        agents=stub,
        store=stub,
        desk=stub,
        board=stub,
        session_key=SecretKeys.from_secret("production-secret-0123456789").console,
    )
    app.add_subapp("/console", console_app(settings))
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/console/signin")
        cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/console" in cookie


async def test_a_worker_s_live_list_shows_the_turns_of_every_worker(redis_url):
    key = f"test-events-{uuid.uuid4().hex[:8]}"
    client = redis_client(redis_url)
    try:
        board = LiveBoard(RedisStreamSink(client, key=key), ttl_seconds=900)
        async with board.running():
            other_worker = RedisStreamSink(client, key=key)
            event = ConversationEvent(
                time.time(),
                "ussd",
                "ussd:1",
                "start.who",
                "mobile.full_name",
                "choose",
                1.0,
                False,
                who="+8491****678",
                method="mobile",
            )
            await client.xadd(key, {"e": b"{not json"})  # damaged
            await client.xadd(key, {"e": b'{"at": "yesterday"}'})  # another version's
            other_worker.emit(event)
            await other_worker.flush()
            async with asyncio.timeout(5):
                while not board.rows():
                    await board.changed(1.0)
        [row] = board.rows()
        assert row.event.step == "mobile.full_name" and row.event.who == "+8491****678"
    finally:
        await client.delete(key)
        await client.aclose()


def test_operators_add_list_and_disable_agents_and_purge_old_records(
    tmp_path: Path, monkeypatch, capsys
):
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setenv("REGBOT_PASSWORD_HASHING", "fast")
    monkeypatch.setattr("sys.stdin", io.StringIO("Hoa-Sen#2024\n"))
    assert main(["agents", "add", "lan", "--role", "supervisor", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("matkhau\n"))
    assert main(["agents", "add", "minh", *data]) == 1
    assert "8 characters" in capsys.readouterr().err  # the citizens' password rules
    monkeypatch.setattr("sys.stdin", io.StringIO("Hoa-Sen#2024\n"))
    assert main(["agents", "add", "lan", *data]) == 1
    assert main(["agents", "disable", "lan", *data]) == 0
    assert main(["agents", "list", *data]) == 0
    assert "lan\tsupervisor\tdisabled" in capsys.readouterr().out
    assert main(["purge", *data]) == 0
    assert "transcript_lines\t0 deleted" in capsys.readouterr().out


def test_an_operator_who_types_a_negative_retention_is_refused_before_anything_goes(
    tmp_path: Path, capsys
):
    """`purge --days -1` put the cut-off in the future: every transcript, and with
    `--audit-days -365` the whole audit log, went. Now it is refused as a typo."""
    for typo in (["--days", "-1"], ["--audit-days", "-365"]):
        with pytest.raises(SystemExit) as refused:
            main(["purge", *typo, "--data-dir", str(tmp_path)])
        assert refused.value.code == 2
        assert "is not a number of days (0 or more)" in capsys.readouterr().err
    assert not (tmp_path / "regbot.sqlite3").exists()  # the database was not even opened


async def test_an_agent_s_message_appears_in_the_terminal_chat_at_once(bot_app):
    runtime, support = bot_app.app[RUNTIME], bot_app.app[SUPPORT]
    out = io.StringIO()
    terminal = Console(runtime.engine, runtime.translator, out=out)
    runtime.pushes.register("console", terminal.push)  # as `regbot demo` does
    await terminal.turn(Inbound("console", "terminal", action=Action.SHOW))
    await terminal.turn(Inbound("console", "terminal", text="1"))
    agent = await support.agents.add("lan", Role.AGENT, "Hoa-Sen#2024")
    key = runtime.engine.session_key("console", "terminal")
    await support.desk.settle()
    done = await support.desk.message(agent, key, "Chào anh, tôi ở tổng đài hỗ trợ.")
    assert done is Delivered.PUSHED
    shown = out.getvalue().split("Chào anh")[0]
    assert "Nhân viên hỗ trợ: " in out.getvalue() and "Công dân" in shown
    assert "Thuê bao di động" in out.getvalue().split("tổng đài hỗ trợ.")[1]  # and the screen
    [entry] = await support.store.audit_log()
    assert (entry.agent, entry.action, entry.key) == ("lan", "message", key)


async def test_an_agent_s_message_cannot_drive_the_citizen_s_terminal(bot_app):
    """Escape sequences in an agent's message (clear the screen, OSC 52: write the
    clipboard) and bidi overrides reach the terminal as harmless marks, the words whole."""
    runtime, support = bot_app.app[RUNTIME], bot_app.app[SUPPORT]
    out = io.StringIO()
    terminal = Console(runtime.engine, runtime.translator, out=out)
    runtime.pushes.register("console", terminal.push)
    await terminal.turn(Inbound("console", "terminal", action=Action.SHOW))
    agent = await support.agents.add("lan", Role.AGENT, "Hoa-Sen#2024")
    key = runtime.engine.session_key("console", "terminal")
    await support.desk.settle()
    hostile = "Chào anh\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07 gọi \u202e1900\x9b31m nhé"
    assert await support.desk.message(agent, key, hostile) is Delivered.PUSHED
    shown = out.getvalue()
    assert "Chào anh" in shown and "gọi" in shown and "nhé" in shown
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e")


async def test_a_database_that_does_not_answer_is_said_plainly_not_a_server_error(bot_app):
    support = bot_app.app[SUPPORT]

    async def down(name: str, password: str):
        raise AccountsUnavailable("OSError")

    support.agents.sign_in = down
    client = bot_app.client
    page = await client.get("/console/signin")
    csrf = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    answer = await client.post(
        "/console/signin", data={"csrf": csrf, "name": "lan", "password": "Hoa-Sen#2024"}
    )
    assert answer.status == 503 and "hãy thử lại" in (await answer.text())


@pytest.mark.parametrize("key", [CTRL_C, CTRL_D], ids=["ctrl-c", "ctrl-d"])
def test_an_operator_who_gives_up_at_the_agent_s_password_prompt_gets_the_terminal_back(
    tmp_path: Path, key: bytes
):
    """`regbot agents add` asks the password unseen; Ctrl-C or Ctrl-D there ends it at
    once, saying no agent was added, with the terminal showing typing again."""
    term = PtyRegbot(tmp_path, "agents", "add", "lan")
    try:
        term.read_until(r"Password: ")
        assert not term.echoes()
        term.keys(key)
        assert term.wait(10) == 1
        assert "no password given: the agent is not added" in term.seen
        assert "Traceback" not in term.seen and term.echoes()
    finally:
        term.close()
