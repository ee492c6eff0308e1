"""`/dashboard`: what support agents watch - the conversations going on, by step, and the
latest turns - from the event sink (all workers), with no personal data in it."""

from __future__ import annotations

import html
import time
from collections import Counter
from dataclasses import asdict
from typing import Final

from aiohttp import web

from bot.config import Settings
from bot.events import ConversationEvent, EventSink
from bot.i18n import LANGUAGES, Translator, msg
from bot.keys import same_secret

EVENTS: Final = web.AppKey("events", EventSink)
TRANSLATOR: Final = web.AppKey("dashboard_translator", Translator)
SHOWN: Final = 200


def _allowed(request: web.Request, settings: Settings) -> bool:
    """Open on a development machine; with REGBOT_DASHBOARD_TOKEN set, only with it; in
    production only with it (no token set: no dashboard)."""
    token = settings.dashboard_token
    if not token:
        return not settings.production
    given = request.headers.get("X-Dashboard-Token") or request.query.get("token") or ""
    return same_secret(given, token)


def live_by_step(events: list[ConversationEvent], now: float, ttl: float) -> Counter[str]:
    """The step each unfinished conversation is at (newest event per person); a dialog
    untouched for the session TTL has expired."""
    latest: dict[str, ConversationEvent] = {}
    for event in events:  # newest first
        latest.setdefault(event.person, event)
    return Counter(e.step for e in latest.values() if not e.ended and now - e.at < ttl)


def dashboard_app(settings: Settings) -> web.Application:
    """The sub-app mounted at `/dashboard`; the app factory's runtime sets `EVENTS` and
    `TRANSLATOR` on the main app."""

    async def events_json(request: web.Request) -> web.Response:
        if not _allowed(request, settings):
            raise web.HTTPNotFound()
        events = await request.config_dict[EVENTS].recent(SHOWN)
        return web.json_response({"events": [asdict(e) for e in events]})

    async def page(request: web.Request) -> web.Response:
        if not _allowed(request, settings):
            raise web.HTTPNotFound()
        lang = request.query.get("lang", "vi")
        lang = lang if lang in LANGUAGES else "vi"

        translator = request.config_dict[TRANSLATOR]

        def t(key: str) -> str:
            return html.escape(translator.render(msg(key), lang))

        events = await request.config_dict[EVENTS].recent(SHOWN)
        live = live_by_step(events, time.time(), settings.session_ttl)
        live_rows = "".join(
            f"<tr><td>{html.escape(step)}</td><td>{count}</td></tr>"
            for step, count in live.most_common()
        )
        turn_rows = "".join(
            "<tr>"
            f"<td>{time.strftime('%H:%M:%S', time.localtime(e.at))}</td>"
            f"<td>{html.escape(e.channel)}</td><td>{html.escape(e.person[-8:])}</td>"
            f"<td>{html.escape(e.step_before)}</td><td>{html.escape(e.step)}</td>"
            f"<td>{html.escape(e.outcome)}</td><td>{e.ms:.1f}</td></tr>"
            for e in events
        )
        body = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>{t("dashboard.title")}</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left}}</style></head><body>
<h1>{t("dashboard.title")}</h1><p>{t("dashboard.privacy")}</p>
<h2>{t("dashboard.live")}</h2><table><tr><th>{t("dashboard.step")}</th>
<th>{t("dashboard.people")}</th></tr>{live_rows}</table>
<h2>{t("dashboard.turns")}</h2><table><tr><th>{t("dashboard.time")}</th>
<th>{t("dashboard.channel")}</th><th>{t("dashboard.person")}</th>
<th>{t("dashboard.from")}</th><th>{t("dashboard.to")}</th>
<th>{t("dashboard.action")}</th><th>ms</th></tr>{turn_rows}</table></body></html>"""
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("", page)
    app.router.add_get("/events", events_json)
    return app
