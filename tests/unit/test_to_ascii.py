"""What a feature phone shows: Vietnamese without its marks, nothing else outside ASCII."""

from __future__ import annotations

import random
import unicodedata

from bot.i18n import to_ascii

VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"


def _letter_by_letter(text: str) -> str:
    """The rule spelled out: `đ` is `d`, a letter keeps its base, a mark is dropped, and
    anything else outside ASCII goes."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.encode("ascii", "ignore").decode("ascii")


def test_every_vietnamese_letter_shows_as_its_base_letter():
    assert (
        to_ascii(VIETNAMESE) == "a" * 18 + "e" * 12 + "i" * 6 + "o" * 18 + "u" * 12 + "y" * 6 + "d"
    )
    assert to_ascii(VIETNAMESE.upper()) == to_ascii(VIETNAMESE).upper()
    assert to_ascii("Đăng ký thành công! Mức xác minh 2") == "Dang ky thanh cong! Muc xac minh 2"


def test_anything_a_person_types_comes_out_as_the_letter_by_letter_rule_gives():
    pool = VIETNAMESE + VIETNAMESE.upper() + "abc 123 *#✓😀ﬁ①\u0301\u0323\t\n"
    rng = random.Random(14)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        decomposed = unicodedata.normalize("NFD", text)
        assert to_ascii(text) == _letter_by_letter(text)
        assert to_ascii(decomposed) == _letter_by_letter(decomposed)
        assert to_ascii(text).isascii()
