"""The HTML page behind a signing link: served by regbot itself, no CDN, texts from catalogs."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from pathlib import Path
from string import Template
from typing import Final

from bot.i18n import Msg, Translator, msg

_TEMPLATE: Final = Path(__file__).with_name("signing_page.html")
_JS_TEXTS: Final = ("accepted", "failed", "no_plugin", "signing")
_INLINE: Final = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


@cache
def _template() -> Template:
    return Template(_TEMPLATE.read_text(encoding="utf-8"))


def _source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def page_policy() -> str:
    """The page's Content-Security-Policy: its own inline script and style, by hash (they
    do not change with the texts), requests to this origin only, never inside a frame."""
    page = _template().substitute(lang="", title="", body="", texts="{}")
    hashes = {kind: _source_hash(code) for kind, code in _INLINE.findall(page)}
    return (
        f"default-src 'none'; script-src {hashes['script']}; style-src {hashes['style']}; "
        "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def signing_page(
    translator: Translator,
    lang: str,
    *,
    ok: bool,
    status: int = 200,
    started_by: Msg | None = None,
) -> str:
    """The page: which conversation it completes (`started_by`), what the guide says to
    install (plugin, token driver), then a Sign button; for an unknown, used or expired
    link, only why it cannot be used and what to do."""

    def text(key: str) -> str:
        return html.escape(translator.render(msg(f"signing.page_{key}"), lang))

    if ok:
        steps = "".join(
            f"<li>{text(step)}</li>"
            for step in ("plugin", "driver", "official_tools", "plug_in", "press_sign")
        )
        whose = html.escape(translator.render(started_by, lang)) if started_by else ""
        body = (
            f'<p id="started-by"><strong>{whose}</strong> {text("not_yours")}</p>'
            f"<p>{text('intro')}</p><ol>{steps}</ol>"
            f'<p><button id="sign" type="button">{text("sign_button")}</button></p>'
            f'<div id="status" role="status"></div>'
            f"<details><summary>{text('paste_title')}</summary><p>{text('paste_hint')}</p>"
            f'<textarea id="pasted" spellcheck="false"></textarea></details>'
        )
    else:
        code = {404: "unknown", 409: "used", 410: "expired"}.get(status, "unknown")
        body = f"<p>{html.escape(translator.render(msg(f'signing.link_{code}'), lang))}</p>"
    texts = {key: translator.render(msg(f"signing.page_js_{key}"), lang) for key in _JS_TEXTS}
    return _template().substitute(
        lang=html.escape(lang),
        title=text("title"),
        body=body,
        # inside <script type=application/json>: keep "</" out so it cannot close the tag
        texts=json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"),
    )
