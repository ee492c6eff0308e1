"""Messages by key, rendered from the gettext catalogs in `locales/` (vi default, en)."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"
LOCALES_DIR: Final = Path(
    os.environ.get("REGBOT_LOCALES_DIR") or Path(__file__).resolve().parent.parent / "locales"
)


@dataclass(frozen=True, slots=True)
class Msg:
    """A user-facing message: a catalog key and its parameters (which may be Msgs too)."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def msg(key: str, **params: object) -> Msg:
    """Build a Msg; the one way code names user-facing text."""
    return Msg(key, params)


class Translator:
    """Renders Msgs in a language from the catalogs; a `variant` (e.g. "ussd") picks
    `key@variant` when the catalog has one."""

    def __init__(self, catalogs: Mapping[str, Mapping[str, str]]) -> None:
        self._catalogs = catalogs

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Translator:
        if not (directory / DEFAULT_LANGUAGE / "LC_MESSAGES").is_dir():
            raise FileNotFoundError(
                f"no message catalogs in {directory}: run regbot from its source tree "
                "(as the Dockerfile does) or set REGBOT_LOCALES_DIR"
            )
        catalogs: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            entries: dict[str, str] = {}
            for po in sorted((directory / lang / "LC_MESSAGES").glob("*.po")):
                with po.open("rb") as fh:
                    for message in read_po(fh, locale=lang):
                        if message.id and message.string:
                            entries[str(message.id)] = str(message.string)
            catalogs[lang] = entries
        return cls(catalogs)

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogs.get(lang, {}))

    def has(self, key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        return key in self._catalogs.get(lang, {})

    def render_template(self, key: str, lang: str) -> str:
        """The raw text of a key (for checks of the catalogs)."""
        return self._catalogs[lang][key]

    def render(self, message: Msg | str, lang: str, variant: str | None = None) -> str:
        if isinstance(message, str):
            return message
        catalog = self._catalogs.get(lang) or self._catalogs[DEFAULT_LANGUAGE]
        template = None
        if variant:
            template = catalog.get(f"{message.key}@{variant}")
        if template is None:
            template = catalog.get(message.key)
        if template is None:  # a missing key is a bug; show the key rather than crash
            return message.key
        if not message.params:
            return template
        values = {
            name: self.render(value, lang, variant) if isinstance(value, Msg) else value
            for name, value in message.params.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


def to_ascii(text: str) -> str:
    """Vietnamese without diacritics, as feature phones show it (`đ` -> `d`)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")
