"""The console's pages and actions. Every action is a POST with the CSRF token, answered
with a redirect (post/redirect/get) - but a reveal, whose value is shown once in the
answer itself and kept nowhere."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Final

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_sse import sse_response

from bot.i18n import LANGUAGES
from bot.passwords import HashingBusy
from bot.support.agents import LOCK_AFTER, LOCK_FOR, Agent, SignIn
from bot.support.desk import REASON_MINIMUM
from bot.support.funnel import Stage, bars, chart_height, funnel_of
from bot.support.live import LiveFilter
from bot.support.store import RETENTION_DAYS
from bot.web.console.guard import signed_in
from bot.web.console.render import PREFIX, context, fragment, page, refuse
from bot.web.console.services import AGENT, SUPPORT

KEY_PATTERN: Final = r"{key:[a-z_]+:[0-9a-f]{32}}"
TICK_SECONDS: Final = 5.0  # the live list is sent again at least this often (time in step)
# a stream ends after this long; the browser reconnects through the guard, so a session
# that expired or an agent disabled meanwhile stops seeing the list
STREAM_SECONDS: Final = 600.0
AUDITED: Final = {
    SignIn.WRONG: "sign_in_failed",
    SignIn.LOCKED: "locked",
    SignIn.STILL_LOCKED: "sign_in_locked",
}
BUSY_RETRY_SECONDS: Final = 2
PERIODS: Final = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}


def _agent(request: web.Request) -> Agent:
    return request[AGENT]


def _form_text(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) else ""


# -- sign-in -----------------------------------------------------------------------------


async def signin_page(request: web.Request) -> web.Response:
    return await page(request, "signin.html")


async def signin(request: web.Request) -> web.StreamResponse:
    support = request.config_dict[SUPPORT]
    form = await request.post()
    name, password = _form_text(form, "name").strip(), _form_text(form, "password")
    try:
        verdict, agent = await support.agents.sign_in(name, password)
    except HashingBusy:  # sign-ins' own small pool is full: nothing was checked
        busy = await _signin_refused(request, "support.signin.busy", status=503)
        busy.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return busy
    now = datetime.now(UTC)
    if verdict is SignIn.OK and agent is not None:
        lang = (await get_session(request)).get("lang")
        session = await new_session(request)  # a new session: no fixation
        signed_in(session, agent)
        if lang:
            session["lang"] = lang
        await support.store.audit(now, agent.name, "sign_in")
        raise web.HTTPSeeOther(PREFIX)
    if agent is not None:
        await support.store.audit(now, agent.name, AUDITED[verdict])
    error = "support.signin.failed"
    if verdict in (SignIn.LOCKED, SignIn.STILL_LOCKED):
        error = "support.signin.locked"
    return await _signin_refused(request, error, status=401)


async def _signin_refused(request: web.Request, error: str, status: int) -> web.Response:
    minutes = int(LOCK_FOR.total_seconds() // 60)
    return await page(
        request, "signin.html", status=status, error=error, attempts=LOCK_AFTER, minutes=minutes
    )


async def signout(request: web.Request) -> web.StreamResponse:
    """Ends the agent's sessions on every device: a copy of the cookie opens nothing."""
    support = request.config_dict[SUPPORT]
    agent = _agent(request)
    await support.agents.end_sessions(agent.id)
    await support.store.audit(datetime.now(UTC), agent.name, "sign_out")
    session = await get_session(request)
    lang = session.get("lang")
    session.invalidate()
    fresh = await new_session(request)
    if lang:
        fresh["lang"] = lang
    fresh["flash"] = "support.signin.signed_out"
    raise web.HTTPSeeOther(f"{PREFIX}/signin")


async def switch_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session = await get_session(request)
    lang = _form_text(form, "lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    back = _form_text(form, "next")
    raise web.HTTPSeeOther(back if back.startswith(PREFIX) and "//" not in back else PREFIX)


# -- the live list -----------------------------------------------------------------------


def _filter(request: web.Request) -> LiveFilter:
    query = request.query
    return LiveFilter(
        channel=query.get("channel", "")[:32],
        method=query.get("method", "")[:32],
        stuck=query.get("stuck") == "1",
    )


async def live(request: web.Request) -> web.Response:
    support = request.config_dict[SUPPORT]
    only = _filter(request)
    return await page(
        request,
        "live.html",
        only=only,
        rows=support.board.rows(only),
        now=time.time(),
        channels=sorted({*support.board.channels(), "ussd", "telegram"}),
        methods=_methods(request),
        stream=f"{PREFIX}/stream",
    )


def _methods(request: web.Request) -> list[str]:
    engine = request.config_dict[SUPPORT].desk.engine
    return sorted(set(engine.graph.methods.values()))


async def stream(request: web.Request) -> web.StreamResponse:
    """The live list's rows as server-sent events: on every change, and every few seconds
    (time in step goes on); each worker follows every worker's events."""
    support = request.config_dict[SUPPORT]
    only = _filter(request)
    values = await context(request)
    until = time.monotonic() + STREAM_SECONDS
    async with sse_response(request) as events:
        while events.is_connected() and time.monotonic() < until:
            rows = support.board.rows(only)
            html = await fragment(
                request, "_rows.html", {**values, "rows": rows, "now": time.time()}
            )
            try:
                await events.send(html, event="rows")
            except (ConnectionResetError, RuntimeError):
                break
            await support.board.changed(TICK_SECONDS)
            await asyncio.sleep(0.1)  # a burst of turns becomes one update
    return events


# -- finding a person ----------------------------------------------------------------------


async def search(request: web.Request) -> web.StreamResponse:
    support = request.config_dict[SUPPORT]
    typed = _form_text(await request.post(), "number")[:64]
    found = await support.desk.find(_agent(request), typed)
    if found is None:
        return await page(request, "search.html", status=400, error="support.search.invalid")
    if len(found) == 1:
        raise web.HTTPSeeOther(f"{PREFIX}/c/{found[0].key}")
    return await page(request, "search.html", found=found, days=RETENTION_DAYS)


# -- one conversation -----------------------------------------------------------------------


async def conversation(
    request: web.Request, revealed: dict[int, str] | None = None
) -> web.Response:
    support = request.config_dict[SUPPORT]
    key = request.match_info["key"]
    await support.desk.settle()
    found = await support.store.conversation(key)
    if found is None:
        return await refuse(request, "support.conversation.gone", status=404)
    lines = await support.store.lines(key)
    live = next((row for row in support.board.rows() if row.event.person == key), None)
    return await page(
        request,
        "conversation.html",
        conversation=found,
        lines=lines,
        live=live,
        revealed=revealed or {},
        can_push=support.desk.can_push(found.channel),
        reason_minimum=REASON_MINIMUM,
        now=time.time(),
    )


async def act(request: web.Request) -> web.StreamResponse:
    support = request.config_dict[SUPPORT]
    key, action = request.match_info["key"], request.match_info["action"]
    agent, desk = _agent(request), support.desk
    form = await request.post()
    if action == "message":
        text = _form_text(form, "text")
        if not text.strip():
            return await _back(request, key, "support.done.empty")
        done = await desk.message(agent, key, text)
    elif action == "take-over":
        done = await desk.take_over(agent, key)
    elif action == "hand-back":
        done = await desk.hand_back(agent, key)
    elif action == "reset":
        done = await desk.reset(agent, key)
    else:
        raise web.HTTPNotFound()
    return await _back(request, key, f"support.done.{done.value}")


async def _back(request: web.Request, key: str, flash: str) -> web.StreamResponse:
    session = await get_session(request)
    session["flash"] = flash
    raise web.HTTPSeeOther(f"{PREFIX}/c/{key}")


async def reveal(request: web.Request) -> web.StreamResponse:
    support = request.config_dict[SUPPORT]
    agent, key = _agent(request), request.match_info["key"]
    if not agent.supervisor:
        return await refuse(request, "support.error.supervisors")
    form = await request.post()
    line = int(request.match_info["line"])
    value = await support.desk.reveal(agent, key, line, _form_text(form, "reason"))
    if value is None:
        return await _back(request, key, "support.reveal.reason_short")
    return await conversation(request, revealed={line: value})


# -- the funnel and the audit log ---------------------------------------------------------


async def funnel(request: web.Request) -> web.Response:
    support = request.config_dict[SUPPORT]
    period = request.query.get("period", "day")
    period = period if period in PERIODS else "day"
    channel = request.query.get("channel", "")[:32]
    method = request.query.get("method", "")[:32]
    reached = await support.store.reached(datetime.now(UTC) - PERIODS[period])
    selected = funnel_of(reached, channel, method)
    pairs = sorted({(r.channel, r.method) for r in reached if r.method})
    breakdown = [(ch, m, funnel_of(reached, ch, m)) for ch, m in pairs]
    return await page(
        request,
        "funnel.html",
        period=period,
        periods=list(PERIODS),
        channel=channel,
        method=method,
        channels=sorted({r.channel for r in reached} | {"ussd", "telegram"}),
        methods=_methods(request),
        funnel=selected,
        bars=bars(selected),
        height=chart_height(),
        stages=list(Stage),
        breakdown=breakdown,
    )


async def audit_log(request: web.Request) -> web.Response:
    if not _agent(request).supervisor:
        return await refuse(request, "support.error.supervisors")
    entries = await request.config_dict[SUPPORT].store.audit_log()
    return await page(request, "audit.html", entries=entries)


def routes(app: web.Application) -> None:
    app.router.add_get("", live)
    app.router.add_get("/", live)
    app.router.add_get("/stream", stream)
    app.router.add_get("/signin", signin_page)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_post("/lang", switch_language)
    app.router.add_post("/search", search)
    app.router.add_get(f"/c/{KEY_PATTERN}", conversation)
    app.router.add_post(f"/c/{KEY_PATTERN}/reveal/{{line:[0-9]{{1,18}}}}", reveal)
    app.router.add_post(f"/c/{KEY_PATTERN}/{{action:[a-z-]{{1,16}}}}", act)
    app.router.add_get("/funnel", funnel)
    app.router.add_get("/audit", audit_log)
