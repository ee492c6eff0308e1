"""What the validation tests share: the catalogs, and the message a refused input gets."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from bot.engine.spec import Invalid
from bot.i18n import Msg, Translator


@cache
def translator() -> Translator:
    return Translator.load()


def refusal(parse: Callable[..., object], *args: object, **kwargs: object) -> Msg:
    """The message a refused input gets, checked to read fully in both languages."""
    with pytest.raises(Invalid) as refused:
        parse(*args, **kwargs)
    message = refused.value.message
    for lang in ("vi", "en"):
        assert translator().has(message.key, lang), f"{message.key} missing in {lang}"
        text = translator().render(message, lang)
        assert text.strip() and "{" not in text and "validation." not in text, text
    return message
