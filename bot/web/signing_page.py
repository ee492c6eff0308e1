"""The HTML page behind a signing link: served by regbot itself, no CDN, texts from catalogs."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from string import Template
from typing import Final

from bot.i18n import Translator, msg

_TEMPLATE: Final = Path(__file__).with_name("signing_page.html")
_JS_TEXTS: Final = ("accepted", "failed", "no_plugin", "signing")


@cache
def _template() -> Template:
    return Template(_TEMPLATE.read_text(encoding="utf-8"))


def signing_page(translator: Translator, lang: str, *, ok: bool, status: int = 200) -> str:
    """The page: what the guide says to install (plugin, token driver), then a Sign button;
    for an unknown, used or expired link, only why it cannot be used and what to do."""

    def text(key: str) -> str:
        return html.escape(translator.render(msg(f"signing.page_{key}"), lang))

    if ok:
        steps = "".join(
            f"<li>{text(step)}</li>"
            for step in ("plugin", "driver", "official_tools", "plug_in", "press_sign")
        )
        body = (
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
