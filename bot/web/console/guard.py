"""What every console request goes through: an encrypted session cookie (HttpOnly,
SameSite=Strict, Secure in production), a signed-in agent on every page but the sign-in
page, a CSRF token on every POST, and headers that keep pages out of caches and frames.
Nothing switches these off; no URL carries a token."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web
from aiohttp_session import AbstractStorage, Session, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.accounts.model import AccountsUnavailable
from bot.support.agents import Agent
from bot.web.bodies import UnreadableBody, read_form
from bot.web.console.render import CSRF_FIELD, PREFIX, refuse
from bot.web.console.services import AGENT, SUPPORT, Support

COOKIE: Final = "regbot_console"
IDLE_SECONDS: Final = 30 * 60
LONGEST_SECONDS: Final = 12 * 3600
PUBLIC: Final = ("/signin", "/lang")  # the sign-in page has the language switch too
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LazyCookieStorage(AbstractStorage):
    """aiohttp-session's EncryptedCookieStorage, built on the first request from the key
    the app derives from REGBOT_SECRET_KEY at start-up (nothing is derived at import)."""

    def __init__(self, *, secure: bool) -> None:
        self._options: dict[str, Any] = {
            "cookie_name": COOKIE,
            "httponly": True,
            "samesite": "Strict",
            "secure": secure,
            "path": PREFIX,
        }
        super().__init__(**self._options)
        self._inner: EncryptedCookieStorage | None = None

    def _storage(self, request: web.Request) -> EncryptedCookieStorage:
        if self._inner is None:
            key = request.config_dict[SUPPORT].session_key
            self._inner = EncryptedCookieStorage(key, **self._options)
        return self._inner

    async def load_session(self, request: web.Request) -> Session:
        try:
            return await self._storage(request).load_session(request)
        except UnicodeError:  # a cookie no browser of ours sent: no session, no 500
            return Session(None, data=None, new=True, max_age=self.max_age)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        await self._storage(request).save_session(request, response, session)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await _guarded(request, handler)
    except AccountsUnavailable:  # the database is down: say so, lose nothing, no 500
        return await refuse(request, "support.done.try_again", status=503)


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = await get_session(request)
    path = request.path[len(PREFIX) :] or "/"
    if path not in PUBLIC and not path.startswith("/static/"):
        agent = await _agent(session, request.config_dict[SUPPORT])
        if agent is None:
            if request.method == "GET" and not path.startswith("/stream"):
                raise web.HTTPSeeOther(f"{PREFIX}/signin")
            raise web.HTTPUnauthorized()
        request[AGENT] = agent
    if request.method == "POST" and not await _csrf_ok(request, session):
        return await refuse(request, "support.error.csrf")
    return await handler(request)


async def _csrf_ok(request: web.Request, session: Session) -> bool:
    """The form carries the session's token, and the browser says it comes from here."""
    expected = session.get(CSRF_FIELD)
    origin = request.headers.get("Origin")
    if origin is not None and origin.split("://", 1)[-1] != request.host:
        return False
    if not isinstance(expected, str):
        return False
    try:
        given = (await read_form(request)).get(CSRF_FIELD)
    except UnreadableBody:  # a form no page of ours sent: refused like a forged one
        return False
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


async def _agent(session: Session, support: Support) -> Agent | None:
    """The signed-in agent, still enabled, not signed out since, within the idle and the
    total session time. The cookie itself cannot be revoked (it is the session): the
    agent's session epoch in the database is what signing out moves on."""
    agent_id, since, seen = session.get("agent"), session.get("since"), session.get("seen")
    now = time.time()
    if not isinstance(agent_id, int) or not isinstance(since, float | int):
        return None
    if (
        not isinstance(seen, float | int)
        or now - seen > IDLE_SECONDS
        or now - since > LONGEST_SECONDS
    ):
        session.invalidate()
        return None
    agent = await support.agents.get(agent_id)
    if agent is None or agent.disabled or session.get("epoch") != agent.session_epoch:
        session.invalidate()  # disabled, or signed out since (on any device)
        return None
    session["seen"] = now
    return agent


def signed_in(session: Session, agent: Agent) -> None:
    """A fresh session for the agent, with a new CSRF token."""
    session["agent"] = agent.id
    session["epoch"] = agent.session_epoch
    session["since"] = session["seen"] = time.time()
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
