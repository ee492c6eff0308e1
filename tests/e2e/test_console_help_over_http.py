"""The console's help, audit log, live-list filters and funnel periods over plain HTTP, as
an agent's browser uses them: a signed-in session cookie, the CSRF token read from the
page's form, same-origin POSTs answered with redirects. People reach regbot by USSD
(`POST /ussd`), the channel that cannot push: what an agent does reaches them on their
next screen."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.support.agents import Role
from bot.web.console import SUPPORT
from tests.e2e.conftest import BotHarness
from tests.e2e.stories import PASSWORD, AgentBrowser

LOCAL_TIME = re.compile(r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4}")


class Handset:
    """A feature phone on the USSD gateway: cumulative `text`, a new sessionId per dial."""

    def __init__(self, client: TestClient, number: str) -> None:
        self.client, self.number = client, number
        self.session = ""
        self.inputs: list[str] = []

    async def dial(self, *inputs: str) -> str:
        self.session, self.inputs = f"ATUid_{uuid.uuid4().hex}", []
        screen = await self._send()
        for typed in inputs:
            screen = await self.press(typed)
        return screen

    async def press(self, typed: str) -> str:
        self.inputs.append(typed)
        return await self._send()

    async def _send(self) -> str:
        form = {
            "sessionId": self.session,
            "serviceCode": "*123#",
            "phoneNumber": self.number,
            "text": "*".join(self.inputs),
        }
        response = await self.client.post("/ussd", data=form)
        body = await response.text()
        assert response.status == 200 and body.startswith(("CON ", "END ")), body
        return body


def flash(page: str) -> str:
    found = re.search(r'class="flash"[^>]*>(.*?)<', page, re.S)
    return found.group(1).strip() if found else ""


def rows_of(page: str, css_class: str) -> list[str]:
    """The audit log's rows of one action, newest first, as text."""
    rows = re.findall(rf'<tr class="audit-{css_class}">(.*?)</tr>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


async def agents(bot_app: BotHarness, **roles: Role) -> None:
    for name, role in roles.items():
        await bot_app.app[SUPPORT].agents.add(name, role, PASSWORD)


async def test_an_agent_resets_a_stuck_caller_who_starts_again_and_is_told_so(bot_app):
    await agents(bot_app, minh=Role.AGENT)
    phone = Handset(bot_app.client, "+84911000707")
    await phone.dial("1", "1", "Vo Minh Tri")
    for wrong in ("99/99/1990", "32/13/1990", "hom qua"):  # stuck at the date of birth
        assert "ngay" in (await phone.press(wrong)).lower()

    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    path, page = await agent.open_caller("0911 000 707")
    assert "Cho bắt đầu lại từ đầu" in page  # the reset button, a form with the CSRF token
    assert f'action="{path}/reset"' in page
    status, page, at = await agent.post(f"{path}/reset")
    assert status == 200 and at == path
    assert flash(page) == "Người dùng sẽ thấy ở màn hình USSD tiếp theo."

    screen = await phone.press("17/05/1990")  # the caller, who saw nothing yet, goes on
    assert screen.startswith(
        "CON Nhan vien ho tro da cho ban bat dau lai; thong tin da nhap da duoc xoa."
    ), screen
    assert "Cong dan" in screen and "ngay sinh" not in screen.lower()  # the first screen
    again = await phone.dial("1", "1")  # and a new start asks for the name again
    assert "ho va ten" in again.lower() and "Vo Minh Tri" not in again


async def test_take_over_hand_back_and_reset_are_in_the_audit_log_with_who_when_and_what(
    bot_app,
):
    await agents(bot_app, minh=Role.AGENT, lan=Role.SUPERVISOR)
    phone = Handset(bot_app.client, "+84911000808")
    await phone.dial("1", "1", "Le Thi Thu")
    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    path, page = await agent.open_caller("0911000808")
    key = path.removeprefix("/console/c/")
    before = datetime.now(UTC)
    for action, words in (
        ("take-over", "minh đang hỗ trợ"),
        ("hand-back", "Tiếp quản (bot tạm dừng)"),
        ("reset", "Tiếp quản (bot tạm dừng)"),
    ):
        status, page, at = await agent.post(f"{path}/{action}")
        assert status == 200 and at == path and words in page, action
    after = datetime.now(UTC)
    status, refused = await agent.get("/console/audit")
    assert "Chỉ giám sát viên" in refused  # an agent cannot read the log

    supervisor = AgentBrowser(bot_app.client)
    bot_app.client.session.cookie_jar.clear()
    await supervisor.sign_in("lan")
    status, log = await supervisor.get("/console/audit")
    assert status == 200
    shown = {
        action: rows_of(log, action)
        for action in ("take_over", "hand_back", "reset", "message", "reveal")
    }
    [taken], [handed], [reset] = shown["take_over"], shown["hand_back"], shown["reset"]
    assert shown["message"] == shown["reveal"] == []
    for row, words in (
        (taken, "Tiếp quản"),
        (handed, "Trả lại cho bot"),
        (reset, "Cho bắt đầu lại"),
    ):
        assert "minh" in row and words in row and key[:16] in row, row  # who, what, on whom
        when = LOCAL_TIME.search(row)
        assert when, row  # when, in Vietnam time as agents read it
        at_ = datetime.strptime(when.group(0), "%H:%M:%S %d/%m/%Y") - timedelta(hours=7)
        moment = at_.replace(tzinfo=UTC)
        assert before - timedelta(seconds=1) <= moment <= after + timedelta(seconds=1), row
    assert f'href="/console/c/{key}"' in log  # each entry opens the conversation
    order = [log.index(f'class="audit-{a}"') for a in ("reset", "hand_back", "take_over")]
    assert order == sorted(order)  # newest first


OTHER_PHONE, OTHER_ID = "0987654321", "001090099999"  # numbers the dialog does not hold


async def test_an_agent_s_message_reaches_the_caller_whole_and_the_transcript_masked(bot_app):
    await agents(bot_app, minh=Role.AGENT)
    phone = Handset(bot_app.client, "+84911000909")
    await phone.dial("1", "1", "Tran Van Nam")
    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    path, _ = await agent.open_caller("0911000909")
    text = f"Anh goi lai so {OTHER_PHONE}\nhoac dua CCCD {OTHER_ID} cho quay nhe"
    status, page, at = await agent.post(f"{path}/message", text=text)
    assert status == 200 and at == path

    screen = await phone.press("17/05/1990")  # the caller reads it whole
    assert OTHER_PHONE in screen and OTHER_ID in screen

    await bot_app.app[SUPPORT].desk.settle()
    status, page = await agent.get(path)
    assert status == 200
    assert OTHER_PHONE not in page and OTHER_ID not in page
    assert page.count("*******321") == 2 and page.count("*********999") == 2  # sent, shown


async def test_the_audit_log_keeps_an_agent_s_message_masked(bot_app):
    await agents(bot_app, minh=Role.AGENT, lan=Role.SUPERVISOR)
    await Handset(bot_app.client, "+84911000919").dial("1", "1")
    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    path, _ = await agent.open_caller("0911000919")
    await agent.post(f"{path}/message", text=f"Goi {OTHER_PHONE} hoac mang CCCD {OTHER_ID} nhe")

    bot_app.client.session.cookie_jar.clear()
    supervisor = AgentBrowser(bot_app.client)
    await supervisor.sign_in("lan")
    status, log = await supervisor.get("/console/audit")
    [row] = rows_of(log, "message")
    assert status == 200 and "minh" in row and OTHER_PHONE not in log and OTHER_ID not in log
    assert "Goi *******321 hoac mang CCCD *********999 nhe" in row


async def wait_for_rows(agent: AgentBrowser, path: str, *who: str) -> str:
    """The live list (fed in the background) once it shows every one of `who`."""
    page = ""
    for _ in range(100):
        _, page = await agent.get(path)
        if all(w in page for w in who):
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"{who} never on the live list: {page}")


def people_on(page: str) -> list[str]:
    tbody = page.split('<tbody id="rows"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'class="who">([^<]+)<', tbody)


async def test_the_live_list_shows_only_the_method_an_agent_picks(bot_app):
    await agents(bot_app, minh=Role.AGENT)
    await Handset(bot_app.client, "+84911000111").dial("1", "1", "Ngo Van Hai")  # mobile
    await Handset(bot_app.client, "+84911000222").dial("1", "2")  # BHXH code
    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    mobile, bhxh = "+8491****111", "+8491****222"
    everyone = await wait_for_rows(agent, "/console", mobile, bhxh)
    assert '<option value="mobile">Thuê bao di động</option>' in everyone

    _, page = await agent.get("/console?method=mobile")
    assert people_on(page) == [mobile]
    assert '<option value="mobile" selected>' in page  # the filter shows what it keeps
    _, page = await agent.get("/console?method=bhxh")
    assert people_on(page) == [bhxh]
    _, page = await agent.get("/console?method=sim")
    assert people_on(page) == [] and "Hiện không có ai đang đăng ký." in page
    _, page = await agent.get("/console?method=mobile&channel=telegram")
    assert people_on(page) == []


class RecorderClock:
    """The support recorder's clock, turned back: what a person does now is written as if
    it happened `behind` ago (the funnel reads when each step was reached)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.behind = timedelta(0)
        clock = self

        class Shifted(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return datetime.now(tz) - clock.behind

        monkeypatch.setattr("bot.support.records.datetime", Shifted)


def funnel_counts(page: str) -> list[int]:
    table = page.split('class="cards funnel-numbers"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", body)]


async def test_the_funnel_counts_the_last_day_and_the_last_week(bot_app, monkeypatch):
    await agents(bot_app, minh=Role.AGENT)
    clock = RecorderClock(monkeypatch)
    support = bot_app.app[SUPPORT]
    for behind, number, inputs in (
        (timedelta(days=3), "+84911000301", ("1", "1")),  # chose a method 3 days ago
        (timedelta(days=10), "+84911000302", ("1", "1")),  # 10 days ago: in no period
        (timedelta(hours=3), "+84911000303", ("1",)),  # started 3 hours ago
        (timedelta(0), "+84911000304", ("1", "1", "Dao Van Binh")),  # now
    ):
        clock.behind = behind
        await Handset(bot_app.client, number).dial(*inputs)
        await support.desk.settle()
    clock.behind = timedelta(0)

    agent = AgentBrowser(bot_app.client)
    await agent.sign_in("minh")
    started_and_chosen = {}
    for period, words in (("hour", "1 giờ qua"), ("day", "24 giờ qua"), ("week", "7 ngày qua")):
        status, page = await agent.get(f"/console/funnel?period={period}")
        assert status == 200
        assert f'<option value="{period}" selected>{words}</option>' in page
        started_and_chosen[period] = funnel_counts(page)[:2]
    assert started_and_chosen == {"hour": [1, 1], "day": [2, 1], "week": [3, 2]}
    # a method filter narrows the stages after "started", which is every method's top
    _, page = await agent.get("/console/funnel?period=week&channel=ussd&method=mobile")
    assert funnel_counts(page)[:2] == [3, 2]
    _, page = await agent.get("/console/funnel?period=week&channel=telegram")
    assert funnel_counts(page)[:2] == [0, 0]
    _, page = await agent.get("/console/funnel?period=year")  # not offered: the last day
    assert '<option value="day" selected>' in page and funnel_counts(page)[:2] == [2, 1]
