"""USSD screens: a Reply as plain ASCII lines, cut into pages of at most 182 characters."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final

from bot.engine.messages import Reply
from bot.engine.render import render
from bot.i18n import Translator, msg, to_ascii

SCREEN_LIMIT: Final = 182  # what a handset shows, "CON "/"END " included
PAGE_LIMIT: Final = SCREEN_LIMIT - len("CON ")
BACK: Final = "0"
HOME: Final = "00"
MORE: Final = "99"


def reply_lines(reply: Reply, translator: Translator) -> list[str]:
    """Texts, then options numbered from 1, then "0 Back" when going back is possible."""
    shown = render(reply, translator, variant="ussd")
    lines = [line for text in shown.texts for line in text.splitlines() if line.strip()]
    lines += [f"{n} {label}" for n, (_, label) in enumerate(shown.options, start=1)]
    if reply.can_go_back and not reply.end:
        lines.append(f"{BACK} {ussd_text(translator, 'ussd.back', reply.lang)}")
    return lines


def ussd_text(translator: Translator, key: str, lang: str, **params: object) -> str:
    return to_ascii(translator.render(msg(key, **params), lang, "ussd"))


def paginate(lines: Sequence[str], more_label: str, limit: int = PAGE_LIMIT) -> tuple[str, ...]:
    """Pages of at most `limit` characters; every page but the last ends with "99 More".

    Long lines are wrapped at word boundaries, so no text is ever cut off: a person
    reads the rest with 99.
    """
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return (whole,)
    more = f"{MORE} {more_label}"
    room = limit - len(more) - 1
    chunks = [piece for line in lines for piece in textwrap.wrap(line, room) or [""]]
    pages: list[list[str]] = [[]]
    for chunk in chunks:
        page = pages[-1]
        if page and len("\n".join([*page, chunk])) > room:
            pages.append([chunk])
        else:
            page.append(chunk)
    if len(pages) > 1 and len("\n".join(pages[-2] + pages[-1])) <= limit:
        pages[-2:] = [pages[-2] + pages[-1]]  # the last page needs no "99 More"
    texts = ["\n".join(page) for page in pages]
    return (*(f"{text}\n{more}" for text in texts[:-1]), texts[-1])


def reply_pages(reply: Reply, translator: Translator) -> tuple[str, ...]:
    """The pages a USSD caller sees for a Reply."""
    return paginate(reply_lines(reply, translator), ussd_text(translator, "ussd.more", reply.lang))
