"""Messages by key, rendered from the gettext catalogs in `locales/` (vi default, en)."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"
LOCALES_DIR: Final = Path(
    os.environ.get("REGBOT_LOCALES_DIR") or Path(__file__).resolve().parent.parent / "locales"
)


class Audience(StrEnum):
    """Who reads a rendered message."""

    OWNER = "owner"  # the person, in their own conversation: their own data in full
    RECORD = "record"  # transcripts, the agents' console, logs: personal data masked


class PersonalKind(StrEnum):
    ID = "id"  # CCCD/CMND, tax code, BHXH code
    PHONE = "phone"  # E.164
    NAME = "name"
    EMAIL = "email"
    DATE = "date"  # already written as people read it (dd/mm/yyyy)


@dataclass(frozen=True, slots=True)
class Personal:
    """A piece of personal data inside a message: shown in full to the person it belongs
    to (who must be able to spot their own typo), masked for every other audience."""

    value: str
    kind: PersonalKind

    def shown(self, audience: Audience) -> str:
        if audience is Audience.OWNER:
            return _national(self.value) if self.kind is PersonalKind.PHONE else self.value
        return _masked(self.value, self.kind)


def _national(phone: str) -> str:
    return "0" + phone[3:] if phone.startswith("+84") else phone


def _masked(value: str, kind: PersonalKind) -> str:
    """The console's rule: numbers keep their last 3 digits, names their initials."""
    if kind is PersonalKind.NAME:
        return " ".join(word[0] + "." for word in value.split() if word)
    if kind is PersonalKind.EMAIL:
        local, at, domain = value.rpartition("@")
        return (local[:1] + "***@" + domain) if at else "***"
    if kind is PersonalKind.DATE:
        return "**/**/****"
    shown = _national(value) if kind is PersonalKind.PHONE else value
    return "*" * max(0, len(shown) - 3) + shown[-3:] if len(shown) > 3 else "***"


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

    def render(
        self,
        message: Msg | str,
        lang: str,
        variant: str | None = None,
        audience: Audience = Audience.OWNER,
    ) -> str:
        """The text of `message`; `Personal` values in it are shown as `audience` may see
        them (a channel renders for the person, a transcript for the record)."""
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
            name: _param(self, value, lang, variant, audience)
            for name, value in message.params.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


def _param(
    translator: Translator, value: object, lang: str, variant: str | None, audience: Audience
) -> object:
    if isinstance(value, Msg):
        return translator.render(value, lang, variant, audience)
    if isinstance(value, Personal):
        return value.shown(audience)
    return value


def to_ascii(text: str) -> str:
    """Vietnamese without diacritics, as feature phones show it (`đ` -> `d`): the marks
    come apart from their letters (NFKD) and, being outside ASCII, drop with the rest."""
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
