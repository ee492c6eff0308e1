"""A Reply as OA messages: text (2,000 characters at most), options as `oa.query.hide`
buttons (5 at most a message), links to regbot's pages as `oa.open.url` buttons, and the
phone request template. Pure: no I/O.

A query button's payload is its choice, the screen it was sent with and a check on both,
`nav:back#17.30de` (short ASCII, far within Zalo's limits): Zalo cannot take old buttons
away, so a tap is checked against the newest screen, as Telegram's message ids are. The
check tells a tap from typed text of the same shape (a password such as `Hoa-Sen#2024`
typed into the chat is not a button)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

TEXT_LIMIT: Final = 2000
BUTTON_LIMIT: Final = 5
TITLE_LIMIT: Final = 100
NAV: Final = ("nav:back", "nav:help", "nav:cancel")
_TAP: Final = re.compile(r"([A-Za-z0-9_.:-]{1,64})#([0-9]{1,12})\.([0-9a-f]{4})")


@dataclass(frozen=True, slots=True)
class Tap:
    """A tapped query button: the choice, and the screen whose message showed it."""

    key: str
    screen: int


def tap_payload(key: str, screen: int) -> str:
    return f"{key}#{screen}.{_check(key, screen)}"


def read_tap(text: str) -> Tap | None:
    """The tap a text is, or None for typed text (a tap sends its payload as text)."""
    found = _TAP.fullmatch(text)
    if found is None:
        return None
    tap = Tap(found.group(1), int(found.group(2)))
    return tap if found.group(3) == _check(tap.key, tap.screen) else None


def _check(key: str, screen: int) -> str:
    """Four hex digits of the payload's own: not a secret, a mark of regbot's making."""
    return f"{zlib.crc32(f'{key}#{screen}'.encode()) & 0xFFFF:04x}"


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str = ""  # what a tap sends back as text
    url: str = ""  # an `oa.open.url` button when set

    def as_json(self) -> dict[str, Any]:
        title = _clip(self.title, TITLE_LIMIT)
        if self.url:
            return {"title": title, "type": "oa.open.url", "payload": {"url": self.url}}
        return {"title": title, "type": "oa.query.hide", "payload": self.payload}


@dataclass(frozen=True, slots=True)
class Layout:
    """What one reply shows: its texts, options (key, label), the ways back and out,
    and links to open; `nav_words` is the line saying how to type them instead; `screen`
    numbers the reply, and goes with each of its query buttons' payloads."""

    texts: Sequence[str]
    options: Sequence[tuple[str, str]]
    nav: Sequence[Button]
    links: Sequence[Button] = ()
    nav_words: str = ""
    screen: int = 0


def layout_messages(layout: Layout) -> tuple[list[dict[str, Any]], list[str]]:
    """The messages, and the option keys offered as buttons (a tap sends the key).

    More options than one message's five buttons: they are numbered (a typed number
    picks one) and their buttons go five a message, each message listing its own, so that
    every option can still be tapped; the ways back and out join the last when they fit,
    or are said in words."""
    options, nav, links = list(layout.options), list(layout.nav), list(layout.links)
    offered = [key for key, _ in options]
    screen = layout.screen
    tapped = [replace(b, payload=tap_payload(b.payload, screen)) for b in nav]
    picks = [Button(label, tap_payload(key, screen)) for key, label in options]
    if len(links) + len(options) <= BUTTON_LIMIT:
        return _with_nav([(list(layout.texts), [*links, *picks])], tapped, layout), offered
    lines = [f"{n}. {label}" for n, (_, label) in enumerate(options, 1)]
    first = max(0, BUTTON_LIMIT - len(links))
    groups = [(["\n".join(lines[:first])], [*links, *picks[:first]])]
    for at in range(first, len(options), BUTTON_LIMIT):
        groups.append((["\n".join(lines[at : at + BUTTON_LIMIT])], picks[at : at + BUTTON_LIMIT]))
    groups[0] = ([*layout.texts, *groups[0][0]], groups[0][1])
    return _with_nav(groups, tapped, layout), offered


def _with_nav(
    groups: list[tuple[list[str], list[Button]]], nav: list[Button], layout: Layout
) -> list[dict[str, Any]]:
    """Each group's texts as messages, its buttons on the last of them; the ways back and
    out on the last group's when they fit, else its words."""
    texts, buttons = groups[-1]
    if len(buttons) + len(nav) <= BUTTON_LIMIT:
        groups[-1] = (texts, [*buttons, *nav])
    elif nav and layout.nav_words:
        groups[-1] = ([*texts, layout.nav_words], buttons)
    messages: list[dict[str, Any]] = []
    for texts, buttons in groups:
        chunks = _chunks("\n\n".join(t for t in texts if t))
        messages += [{"text": chunk} for chunk in chunks[:-1]]
        last: dict[str, Any] = {"text": chunks[-1]}
        if buttons:
            last["attachment"] = {
                "type": "template",
                "payload": {"buttons": [b.as_json() for b in buttons[:BUTTON_LIMIT]]},
            }
        messages.append(last)
    return messages


def phone_request(title: str, subtitle: str, image_url: str) -> dict[str, Any]:
    """The `request_user_info` template: Zalo answers with `user_submit_info`."""
    element = {"title": _clip(title, TITLE_LIMIT), "subtitle": subtitle, "image_url": image_url}
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "request_user_info", "elements": [element]},
        }
    }


def links_in(texts: Sequence[str], base: str, paths: Sequence[str]) -> list[str]:
    """regbot's own page links (`{base}/sign/...`) in the texts, each once, in order."""
    prefixes = "|".join(re.escape(f"{base.rstrip('/')}{path}") for path in paths)
    found: list[str] = []
    for text in texts:
        for url in re.findall(rf"(?:{prefixes})[A-Za-z0-9_\-]+", text):
            if url not in found:
                found.append(url)
    return found


def _chunks(text: str) -> list[str]:
    """Cut at paragraph, then line, then hard boundaries so each piece fits a message."""
    text = text or " "
    pieces: list[str] = []
    while len(text) > TEXT_LIMIT:
        cut = text.rfind("\n\n", 0, TEXT_LIMIT)
        if cut <= 0:
            cut = text.rfind("\n", 0, TEXT_LIMIT)
        if cut <= 0:
            cut = TEXT_LIMIT
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
