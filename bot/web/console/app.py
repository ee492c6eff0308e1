"""The console sub-app: sessions, the guard, templates and assets (all served by regbot,
no CDN). Its services (`SUPPORT`) are set on the main app by the app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import session_middleware

from bot.config import Settings
from bot.web.console.guard import LazyCookieStorage, guard, security_headers
from bot.web.console.services import SUPPORT, Support
from bot.web.console.views import routes

HERE: Final = Path(__file__).resolve().parent

__all__ = ["SUPPORT", "Support", "console_app", "dashboard_redirect"]


def console_app(settings: Settings) -> web.Application:
    """Mounted at `/console`. Secure cookies in production (served behind HTTPS)."""
    storage = LazyCookieStorage(secure=settings.production)
    app = web.Application(middlewares=[session_middleware(storage), guard])
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    routes(app)
    app.router.add_static("/static", HERE / "static", append_version=True)
    app.on_response_prepare.append(security_headers)
    return app


def dashboard_redirect() -> web.Application:
    """`/dashboard` (the old debug table) now lives at `/console`."""

    async def moved(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/console")

    app = web.Application()
    app.router.add_route("*", "", moved)
    app.router.add_route("*", "/{tail:.*}", moved)
    return app
