"""Turning a Reply into text for a channel: translated, and for USSD plain ASCII."""

from __future__ import annotations

from bot.engine.messages import Rendered, Reply
from bot.i18n import Translator, to_ascii


def render(reply: Reply, translator: Translator, variant: str | None = None) -> Rendered:
    def text(message: object) -> str:
        rendered = translator.render(message, reply.lang, variant)  # type: ignore[arg-type]
        return to_ascii(rendered) if variant == "ussd" else rendered

    return Rendered(
        texts=tuple(text(t) for t in reply.texts),
        options=tuple((o.key, text(o.label)) for o in reply.options),
        end=reply.end,
        sensitive=reply.sensitive,
    )
