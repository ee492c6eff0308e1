"""USSD screens: a Reply as plain ASCII lines, cut into pages of at most 182 characters.

A screen with options shows them on its first page, whatever comes before: a person who
cannot read on still sees what to press. Text that does not fit goes on to the next
pages ("99 Xem tiep"), cut at the end of a sentence wherever one ends in time, and the
last of them shows the options again when they fit.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from bot.channels.commands import UssdKey
from bot.engine.graph import START_STEP
from bot.engine.messages import Reply
from bot.engine.render import render
from bot.engine.view import RELEASE_LINE
from bot.i18n import Translator, msg, to_ascii

SCREEN_LIMIT: Final = 182  # what a handset shows, "CON "/"END " included
PAGE_LIMIT: Final = SCREEN_LIMIT - len("CON ")
MORE: Final = "99"  # the next page (from the last page: the first again)
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=\S)")
_MIN_TEXT_ROOM: Final = 24  # less than this beside the options: no room to say anything


def as_shown(reply: Reply) -> Reply:
    """The reply as USSD can show it: one that asks the person to end the call (to
    confirm on the SIM of the phone that calls) ends the session, with nothing to press;
    the dialog stays where it is for the next call."""
    if RELEASE_LINE in reply.hints:
        return replace(reply, options=(), can_go_back=False, end=True)
    return reply


def reply_lines(reply: Reply, translator: Translator) -> tuple[list[str], list[str], list[str]]:
    """(text lines, menu, footer): the menu is the options numbered from 1, "0 Back" when
    going back is possible, and on the first screen the keys; the footer (the keys again)
    is shown only where it fits."""
    shown = render(reply, translator, variant="ussd")
    texts = [line for text in shown.texts for line in text.splitlines() if line.strip()]
    menu = [f"{n} {label}" for n, (_, label) in enumerate(shown.options, start=1)]
    if reply.can_go_back and not reply.end:
        menu.append(f"{UssdKey.BACK} {ussd_text(translator, 'ussd.back', reply.lang)}")
    footer: list[str] = []
    if reply.step == START_STEP and len(reply.texts) == 1 and not reply.end:
        menu.append(ussd_text(translator, "ussd.keys_first", reply.lang))  # always said
    elif not reply.end:  # where they fit (after help, on the first screen too)
        footer.append(ussd_text(translator, "ussd.keys", reply.lang))
    return texts, menu, footer


def ussd_text(translator: Translator, key: str, lang: str, **params: object) -> str:
    return to_ascii(translator.render(msg(key, **params), lang, "ussd"))


@dataclass(frozen=True, slots=True)
class _Piece:
    """A sentence (or, for one too long for a page, a part of it) of one text line."""

    line: int
    text: str


def _pieces(lines: Sequence[str], width: int) -> list[_Piece]:
    pieces = []
    for number, line in enumerate(lines):
        for sentence in _SENTENCE_END.split(line):
            for part in textwrap.wrap(sentence, width) or [sentence]:
                pieces.append(_Piece(number, part))
    return pieces


def _text(pieces: Sequence[_Piece]) -> str:
    """Pieces of one line joined by a space, lines by a line break."""
    out = ""
    for index, piece in enumerate(pieces):
        if index:
            out += " " if pieces[index - 1].line == piece.line else "\n"
        out += piece.text
    return out


def _pack(pieces: list[_Piece], room: int) -> tuple[list[_Piece], list[_Piece]]:
    """As many whole pieces as fit in `room` characters, and the rest."""
    taken: list[_Piece] = []
    for index, piece in enumerate(pieces):
        if len(_text([*taken, piece])) > room:
            return taken, pieces[index:]
        taken.append(piece)
    return taken, []


def paginate(
    lines: Sequence[str],
    more_label: str,
    limit: int = PAGE_LIMIT,
    *,
    menu: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> tuple[str, ...]:
    """Pages of at most `limit` characters; every page but the last ends with "99 More".

    `menu` is always on the first page, after as much of `lines` as fits there; `footer`
    is added when everything fits on one page with it. No text is ever cut off: a person
    reads the rest with 99.
    """
    whole = [*lines, *menu]
    for candidate in ([*whole, *footer], whole):
        if len("\n".join(candidate)) <= limit:
            return ("\n".join(candidate),)
    more = f"{MORE} {more_label}"
    page_room = limit - len(more) - 1
    first_room = limit - len("\n".join([*menu, more])) - 1
    if first_room < _MIN_TEXT_ROOM:  # a menu too long to keep whole: it reads on as text
        lines, menu, first_room = whole, (), page_room
    pieces = _pieces(lines, page_room)
    first, rest = _pack(pieces, first_room)
    if not first and rest:  # a first sentence longer than the room: its start, then on
        head = _pieces([rest[0].text], first_room)
        first = [_Piece(rest[0].line, head[0].text)]
        tail = " ".join(p.text for p in head[1:])
        rest = [_Piece(rest[0].line, part) for part in textwrap.wrap(tail, page_room)] + rest[1:]
    pages = ["\n".join(filter(None, [_text(first), *menu]))]
    while rest:
        page, rest = _pack(rest, page_room)
        if not page:  # cannot happen: every piece fits a page
            page, rest = rest[:1], rest[1:]
        pages.append(_text(page))
    if len(pages) > 2 and len(pages[-2] + "\n" + pages[-1]) <= limit:
        pages[-2:] = [pages[-2] + "\n" + pages[-1]]  # the last page needs no "99 More"
    if menu and len(pages) > 1 and len("\n".join([pages[-1], *menu])) <= limit:
        pages[-1] = "\n".join([pages[-1], *menu])  # read to the end: the options again
    return (*(f"{text}\n{more}" for text in pages[:-1]), pages[-1])


def reply_pages(reply: Reply, translator: Translator) -> tuple[str, ...]:
    """The pages a USSD caller sees for a Reply."""
    reply = as_shown(reply)
    texts, menu, footer = reply_lines(reply, translator)
    more = ussd_text(translator, "ussd.more", reply.lang)
    return paginate(texts, more, menu=menu, footer=footer)
