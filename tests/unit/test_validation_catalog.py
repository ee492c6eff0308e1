"""Every validation message reads in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.validation
from bot.i18n import Msg
from tests.support.validation import translator

# Every message the validators can raise, found in their source: each must read in vi and en.
_SOURCE = Path(bot.validation.__file__).parent
_LITERAL_KEYS = re.compile(r'(?:msg|invalid)\(\s*"(validation\.[a-z0-9_.]+)"')
_FIELD_KEYS = re.compile(r'_digits\([^)]*"([a-z]+)"\)')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _raised_keys() -> set[str]:
    keys: set[str] = set()
    for module in _SOURCE.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        keys |= set(_LITERAL_KEYS.findall(source))
        keys |= {f"validation.{field}.not_digits" for field in _FIELD_KEYS.findall(source)}
    keys |= {f"validation.password.weak.{count}" for count in range(1, 6)}
    return keys


def test_the_source_scan_finds_the_messages() -> None:
    keys = _raised_keys()
    assert {"validation.too_long", "validation.id.not_digits", "validation.password.weak.5"} <= keys
    assert len(keys) > 40


@pytest.mark.parametrize("key", sorted(_raised_keys()))
def test_every_validation_message_reads_in_vietnamese_and_english(key: str) -> None:
    for lang in ("vi", "en"):
        assert translator().has(key, lang), f"{key} missing in {lang}"
        assert translator().render(Msg(key), lang).strip()


@pytest.mark.parametrize("key", sorted(_raised_keys()))
def test_both_languages_use_the_same_placeholders(key: str) -> None:
    vi = set(_PLACEHOLDER.findall(translator().render(Msg(key), "vi")))
    en = set(_PLACEHOLDER.findall(translator().render(Msg(key), "en")))
    assert vi == en


def test_the_catalogs_hold_no_stale_validation_keys() -> None:
    for lang in ("vi", "en"):
        stored = {
            key.split("@")[0]  # `key@ussd`: a channel's short form of a raised key
            for key in translator().keys(lang)
            if key.startswith("validation.")
        }
        assert stored == _raised_keys(), lang
