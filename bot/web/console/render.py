"""Pages from templates (aiohttp-jinja2, autoescaped) in the agent's language, from the
catalogs; steps, methods and kinds in words, never their internal names."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session

from bot.dialogs.limits import LOCAL_ZONE
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, msg
from bot.web.console.services import AGENT, SUPPORT

CSRF_FIELD: Final = "csrf"
PREFIX: Final = "/console"


def csrf_token(session: Session) -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def language(session: Session) -> str:
    lang = session.get("lang")
    return lang if isinstance(lang, str) and lang in LANGUAGES else DEFAULT_LANGUAGE


class Words:
    """The catalogs as a template reads them, in one language."""

    def __init__(self, request: web.Request, lang: str) -> None:
        self._translator = request.config_dict[SUPPORT].translator
        self.lang = lang

    def __call__(self, key: str, **params: object) -> str:
        return self._translator.render(msg(key, **params), self.lang)

    def _named(self, prefix: str, name: str, fallback: str) -> str:
        key = f"{prefix}.{name}"
        return self(key) if name and self._translator.has(key, self.lang) else fallback

    def step(self, step: str) -> str:
        return self._named("support.step", step, self("support.none"))

    def method(self, method: str) -> str:
        return self._named("support.method", method, self("support.none"))

    def kind(self, kind: str) -> str:
        return self._named("support.kind", kind, self("support.none"))

    def field(self, kind: str) -> str:
        return self._named("support.field", kind, self("support.none"))

    def channel(self, channel: str) -> str:
        return self._named("support.channel", channel, channel)


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local(moment: datetime | float) -> str:
    """A time as agents in Vietnam read it."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, LOCAL_ZONE)
    return moment.astimezone(LOCAL_ZONE).strftime("%H:%M:%S %d/%m/%Y")


async def context(request: web.Request, **extra: Any) -> dict[str, Any]:
    session = await get_session(request)
    lang = language(session)
    flash = session.pop("flash", None)
    return {
        "t": Words(request, lang),
        "lang": lang,
        "csrf": csrf_token(session),
        "agent": request.get(AGENT),
        "prefix": PREFIX,
        "path": request.path,
        "flash": flash if isinstance(flash, str) else None,
        "duration": duration,
        "local": local,
        **extra,
    }


async def page(
    request: web.Request, template: str, status: int = 200, **extra: Any
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, await context(request, **extra), status=status
    )


async def fragment(request: web.Request, template: str, values: Mapping[str, Any]) -> str:
    return aiohttp_jinja2.render_string(template, request, dict(values))


async def refuse(request: web.Request, key: str, status: int = 403) -> web.Response:
    return await page(request, "refused.html", status=status, reason=key)
