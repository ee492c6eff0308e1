"""Every message has a Vietnamese and an English text, and no code names a missing one."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Translator

ROOT = Path(__file__).resolve().parents[2]
KEY_IN_CODE = re.compile(r"""\bmsg\(\s*["']([A-Za-z0-9_.@-]+)["']""")


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator.load()


def keys_named_in_code() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "integrations", "pki_bridge"):
        for path in (ROOT / package).rglob("*.py"):
            found.update(KEY_IN_CODE.findall(path.read_text(encoding="utf-8")))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_messages(translator):
    vi, en = translator.keys("vi"), translator.keys("en")
    assert vi == en, f"only vi: {sorted(vi - en)}; only en: {sorted(en - vi)}"
    assert len(vi) > 100


def test_every_message_named_in_code_exists_in_every_language(translator):
    used = keys_named_in_code()
    assert used, "the scan found no message keys"
    for lang in LANGUAGES:
        missing = sorted(k for k in used if not translator.has(k, lang))
        assert not missing, f"{lang} lacks {missing}"


def test_translations_use_the_same_placeholders(translator):
    for key in translator.keys("vi"):
        vi = translator.render_template(key, "vi")
        en = translator.render_template(key, "en")
        assert placeholders(vi) == placeholders(en), key


def test_personal_data_in_a_message_is_whole_for_its_owner_and_masked_for_the_record():
    from bot.i18n import Audience, Personal, PersonalKind, msg

    translator = Translator({"vi": {"t": "{name} {id} {phone} {email} {born}"}})
    message = msg(
        "t",
        name=Personal("Nguyễn Văn An", PersonalKind.NAME),
        id=Personal("001090012345", PersonalKind.ID),
        phone=Personal("+84912345678", PersonalKind.PHONE),
        email=Personal("an.nguyen@example.vn", PersonalKind.EMAIL),
        born=Personal("17/05/1990", PersonalKind.DATE),
    )
    owner = translator.render(message, "vi")
    assert owner == "Nguyễn Văn An 001090012345 0912345678 an.nguyen@example.vn 17/05/1990"
    record = translator.render(message, "vi", audience=Audience.RECORD)
    assert record == "N. V. A. *********345 *******678 a***@example.vn **/**/****"
