"""`/secret/{token}`: the page where a person sets the password Zalo cannot be trusted
with. Plain HTML, no script and no CDN, so it works in any phone browser; texts from the
catalogs; CSRF-safe (a SameSite cookie and a form field bound to it and to the link);
strict security headers.

The POST runs the person's password turns through the engine - the same rules and
messages as everywhere - and, once the password is set, the chat goes on by itself (the
reply is pushed to Zalo)."""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import secrets
from functools import cache
from pathlib import Path
from string import Template
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.secret_links import SecretLink
from bot.channels.zalo.webhook import ZALO
from bot.engine.messages import PASSWORD_ENTRY, Inbound, Reply
from bot.engine.render import render
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, msg
from bot.keys import same_secret
from bot.state.store import StoreUnavailable
from bot.web.bodies import UnreadableBody, read_form

log = logging.getLogger("regbot.zalo")

COOKIE: Final = "regbot_secret"
_HERE: Final = Path(__file__).parent


@cache
def _template() -> Template:
    return Template((_HERE / "secret_page.html").read_text(encoding="utf-8"))


@cache
def _style() -> str:
    return (_HERE / "secret_page.css").read_text(encoding="utf-8").strip()


@cache
def _headers() -> dict[str, str]:
    digest = base64.b64encode(hashlib.sha256(_style().encode()).digest()).decode()
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # not no-referrer: under it a browser posts the form with `Origin: null`, which
        # the same-origin check refuses; the token in the URL goes nowhere else anyway
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


MAX_FORM: Final = 16 * 1024  # two passwords and a token: a larger body is refused


def secret_app() -> web.Application:
    app = web.Application()  # aiohttp applies the root app's client_max_size, not this
    app.router.add_get("/{token}", _page)
    app.router.add_post("/{token}", _submit)
    return app


def _response(
    channel: ZaloChannel, lang: str, body: str, status: int = 200, cookie: str | None = None
) -> web.Response:
    title = html.escape(channel.translator.render(msg("zalo.secret_title"), lang))
    page = _template().substitute(lang=html.escape(lang), title=title, style=_style(), body=body)
    response = web.Response(
        text=page, status=status, content_type="text/html", charset="utf-8", headers=_headers()
    )
    if cookie is not None:
        response.set_cookie(
            COOKIE,
            cookie,
            path="/secret/",
            httponly=True,
            samesite="Strict",
            secure=channel.public_url.startswith("https://"),
            max_age=channel.secrets.lifetime,
        )
    return response


def _text(channel: ZaloChannel, key: str, lang: str, css: str = "") -> str:
    text = html.escape(channel.translator.render(msg(key), lang))
    return f'<p class="{css}">{text}</p>' if css else f"<p>{text}</p>"


async def _link(channel: ZaloChannel, token: str) -> tuple[SecretLink | None, web.Response | None]:
    """The usable link, or the page for an unknown (404), used (409) or expired (410) one."""
    link = await channel.secrets.by_token(token)
    lang = link.lang if link else "vi"
    if link is None:
        return None, _response(channel, lang, _text(channel, "zalo.secret_unknown", lang), 404)
    if link.used:
        return None, _response(channel, lang, _text(channel, "zalo.secret_used", lang), 409)
    if link.expired(channel.secrets.clock()):
        return None, _response(channel, lang, _text(channel, "zalo.secret_expired", lang), 410)
    return link, None


def _form(channel: ZaloChannel, link: SecretLink, token: str, cookie: str, notice: str) -> str:
    def t(key: str) -> str:
        return html.escape(channel.translator.render(msg(key), link.lang))

    field = channel.secrets.form_token(token, cookie)
    error = f'<p class="error" role="alert">{html.escape(notice)}</p>' if notice else ""
    return (
        f"{error}<p>{t('password.prompt')}</p>"
        f'<p class="hint">{t("password.help")}</p>'
        f'<form method="post" autocomplete="off">'
        f'<input type="hidden" name="csrf" value="{field}">'
        f'<label for="p1">{t("zalo.secret_password")}</label>'
        f'<input type="password" id="p1" name="password" autocomplete="new-password" required>'
        f'<label for="p2">{t("zalo.secret_confirm")}</label>'
        f'<input type="password" id="p2" name="confirm" autocomplete="new-password" required>'
        f'<button type="submit">{t("zalo.secret_submit")}</button></form>'
    )


async def _page(request: web.Request) -> web.Response:
    channel = request.config_dict[ZALO]
    token = request.match_info["token"]
    try:
        link, refused = await _link(channel, token)
    except StoreUnavailable:
        return _unavailable(channel)
    if refused is not None:
        return refused
    assert link is not None
    cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
    return _response(channel, link.lang, _form(channel, link, token, cookie, ""), cookie=cookie)


def _same_origin(request: web.Request, public_url: str) -> bool:
    """A browser sends Origin with a POST: it must be this site (the public URL's host,
    or the host the request came to)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # old browsers: the SameSite cookie and the bound field still hold
    host = urlsplit(origin).netloc
    return bool(host) and host in {urlsplit(public_url).netloc, request.host}


async def _refuse(channel: ZaloChannel, token: str, status: int) -> web.Response:
    """Asks to open the link in Zalo again: the form cannot be trusted or read."""
    link = await channel.secrets.by_token(token)
    lang = link.lang if link else "vi"
    return _response(channel, lang, _text(channel, "zalo.secret_csrf", lang, "error"), status)


async def _submit(request: web.Request) -> web.Response:
    channel = request.config_dict[ZALO]
    token = request.match_info["token"]
    try:
        return await _set_password(request, channel, token)
    except StoreUnavailable:
        return _unavailable(channel)


async def _set_password(request: web.Request, channel: ZaloChannel, token: str) -> web.Response:
    if request.content_length is None:  # a browser's form always says its length
        return web.Response(status=411, headers=_headers())
    if request.content_length > MAX_FORM:
        return web.Response(status=413, headers=_headers())
    try:
        form = await read_form(request)
    except UnreadableBody:  # no browser sends it: the page again, as after a lost cookie
        return await _refuse(channel, token, 400)
    cookie = request.cookies.get(COOKIE, "")
    given = str(form.get("csrf", ""))
    expected = channel.secrets.form_token(token, cookie)
    if (
        not cookie
        or not same_secret(given, expected)
        or not _same_origin(request, channel.public_url)
    ):
        return await _refuse(channel, token, 403)
    password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
    async with channel.secrets.using(token):
        link, refused = await _link(channel, token)
        if refused is not None:
            return refused
        assert link is not None
        outcome = await _run_turns(channel, link, password, confirm)
        if isinstance(outcome, str):  # refused: the same message as in any chat
            page = _form(channel, link, token, cookie, outcome)
            return _response(channel, link.lang, page, 422)
        await channel.secrets.use_up(token, link)
    if outcome is not None:
        await channel.push(link.user_id, outcome)  # the chat goes on by itself
        # set only when the dialog ended with it (an account made, a password reset);
        # otherwise the chat says what happened (five mismatches, a number registered)
        key = "zalo.secret_done" if outcome.end else "zalo.secret_see_chat"
        body = _text(channel, key, link.lang, "ok" if outcome.end else "error")
        return _response(channel, link.lang, body)
    body = _text(channel, "zalo.secret_stale", link.lang, "error")
    return _response(channel, link.lang, body, 409)


async def _run_turns(
    channel: ZaloChannel, link: SecretLink, password: str, confirm: str
) -> Reply | str | None:
    """Feed the password, then its confirmation, to the person's dialog.

    Returns the reply to push (the password is set), the refusal to show on the page, or
    None when the dialog no longer waits for a password (the person moved on). A dialog
    left at the confirmation (the account could not be created: "try again") takes the
    confirmation only."""
    async with channel.engine.conversation(link.channel, link.user_id) as convo:
        current = convo.unfinished_step()
        if current is None or not channel.engine.steps[current].password:
            return None
        reply: Reply | None = None
        for typed in [password, confirm] if current == link.step else [confirm]:
            before = convo.unfinished_step()
            reply = await convo.turn(Inbound(link.channel, link.user_id, text=typed))
            if reply.end or (reply.step and PASSWORD_ENTRY not in reply.hints):
                return reply
            if reply.step in ("", before, link.step):  # refused, or the two did not match
                return _refusal(channel, reply)
        assert reply is not None
        return _refusal(channel, reply)


def _refusal(channel: ZaloChannel, reply: Reply) -> str:
    """What the engine said before repeating its question: why the password was refused."""
    texts = render(reply, channel.translator).texts
    return "\n".join(texts[:-1]) if len(texts) > 1 else texts[0]


def _unavailable(channel: ZaloChannel) -> web.Response:
    """The store is down: the link, and the person's language with it, cannot be read, so
    "try again" is said in every language."""
    body = "".join(_text(channel, "engine.try_again_later", lang, "error") for lang in LANGUAGES)
    return _response(channel, DEFAULT_LANGUAGE, body, 503)
