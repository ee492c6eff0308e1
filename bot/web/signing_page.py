"""The HTML page behind a signing link: served by regbot itself, no CDN, texts from
catalogs, the tool to install chosen for the visitor's computer, and no inline code (the
script and style are files of this origin, the page's data a JSON block)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Final

from bot.i18n import Msg, Translator, msg
from bot.web.signing_tools import Device, SigningTool, as_config, connect_sources, tools_for

_TEMPLATE: Final = Path(__file__).with_name("signing_page.html")
_JS_TEXTS: Final = ("accepted", "failed", "no_plugin", "signing")
STATIC: Final = "/sign/static"  # where signing.js and signing.css are served


@dataclass(frozen=True, slots=True)
class PageTools:
    """The signing tools the page offers (the setting), and whether the development
    adapter (a page script standing in for a plugin) is on."""

    tools: tuple[SigningTool, ...]
    development: bool = False

    def policy(self) -> str:
        """A strict Content-Security-Policy that still lets the page reach the tools'
        local services: nothing inline, nothing from elsewhere, never in a frame."""
        connect = " ".join(["'self'", *connect_sources(self.tools)])
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; "
            f"connect-src {connect}; img-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )


@cache
def _template() -> Template:
    return Template(_TEMPLATE.read_text(encoding="utf-8"))


def signing_page(
    translator: Translator,
    lang: str,
    *,
    ok: bool,
    status: int = 200,
    tools: PageTools | None = None,
    device: Device = Device.UNKNOWN,
    official: bool = False,
    started_by: Msg | None = None,
) -> str:
    """The page: which conversation it completes (`started_by`), the tool for this
    computer (the Government CA's for a civil servant), the driver, then a Sign button;
    for an unknown, used or expired link, only why it cannot be used and what to do."""

    def text(key: str) -> str:
        return html.escape(translator.render(msg(f"signing.page_{key}"), lang))

    offered: list[SigningTool] = []
    if ok:
        fits, others = tools_for(tools.tools if tools else (), device, official=official)
        offered = fits + others
        phone = f'<p class="warning">{text("phone")}</p>' if device is Device.PHONE else ""
        steps = "".join(
            f"<li>{item}</li>"
            for item in (
                text("plugin") + _tool_list(translator, lang, fits, others),
                text("driver"),
                text("plug_in"),
                text("press_sign"),
            )
        )
        whose = html.escape(translator.render(started_by, lang)) if started_by else ""
        body = (
            f"{phone}"
            f'<p id="started-by"><strong>{whose}</strong> {text("not_yours")}</p>'
            f"<p>{text('intro')}</p><ol>{steps}</ol>"
            f'<p><button id="sign" type="button">{text("sign_button")}</button></p>'
            f'<div id="status" role="status"></div>'
            f'<details id="paste"><summary>{text("paste_title")}</summary>'
            f"<p>{text('paste_hint')}</p>"
            f'<textarea id="pasted" spellcheck="false"></textarea></details>'
        )
    else:
        code = {404: "unknown", 409: "used", 410: "expired"}.get(status, "unknown")
        body = f"<p>{html.escape(translator.render(msg(f'signing.link_{code}'), lang))}</p>"
    config = {
        "texts": {key: translator.render(msg(f"signing.page_js_{key}"), lang) for key in _JS_TEXTS},
        "tools": as_config(offered),
        "development": bool(tools and tools.development),
    }
    return _template().substitute(
        lang=html.escape(lang),
        title=text("title"),
        body=body,
        static=STATIC,
        # inside <script type=application/json>: keep "</" out so it cannot close the tag
        config=json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
    )


def _tool_list(
    translator: Translator, lang: str, fits: list[SigningTool], others: list[SigningTool]
) -> str:
    """Links to the tools for this computer, then (folded) those for other systems."""

    def links(tools: list[SigningTool]) -> str:
        items = "".join(
            f'<li><a href="{html.escape(t.url)}" rel="noopener noreferrer">'
            f"{html.escape(t.name)}</a> ({html.escape(_os(translator, lang, t))})</li>"
            for t in tools
        )
        return f'<ul class="tools">{items}</ul>'

    shown = links(fits) if fits else ""
    if not others:
        return shown
    title = html.escape(translator.render(msg("signing.page_other_systems"), lang))
    return f"{shown}<details><summary>{title}</summary>{links(others)}</details>"


def _os(translator: Translator, lang: str, tool: SigningTool) -> str:
    return translator.render(msg(f"signing.os_{tool.os}"), lang)
