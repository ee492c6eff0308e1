"""A Zalo query button's payload names its choice and the screen it was sent with, stays
short ASCII, and is told apart from anything a person types."""

from __future__ import annotations

import pytest

from bot.channels.zalo.messages import (
    NAV,
    TITLE_LIMIT,
    Button,
    Layout,
    Tap,
    layout_messages,
    read_tap,
    tap_payload,
)
from bot.engine.spec import KEEP, SKIP
from tests.support.fakes import fake_world

# every option of every step of every dialog, and what the engine adds (keep, skip)
CHOICES = sorted(
    {c.key for d in fake_world().runtime.engine.graph.dialogs for s in d.steps for c in s.choices}
    | {KEEP, SKIP}
)


def test_every_query_button_carries_the_screen_and_a_link_its_url() -> None:
    nav = [Button("Quay lại", NAV[0]), Button("Trợ giúp", NAV[1]), Button("Hủy", NAV[2])]
    links = [Button("Mở trang ký số", url="https://regbot.test/sign/abc")]
    layout = Layout(["Chọn"], [("skip", "Bỏ qua")], nav, links, screen=17)
    [message], offered = layout_messages(layout)
    sent = message["attachment"]["payload"]["buttons"]
    assert sent[0]["payload"] == {"url": "https://regbot.test/sign/abc"}
    taps = [read_tap(button["payload"]) for button in sent[1:]]
    assert taps == [Tap("skip", 17), *(Tap(key, 17) for key in NAV)]
    assert offered == ["skip"]


@pytest.mark.parametrize("key", [*NAV, *CHOICES])
def test_a_payload_is_short_ascii_even_after_a_long_conversation(key: str) -> None:
    payload = tap_payload(key, 10**9)
    assert payload.isascii() and len(payload) <= TITLE_LIMIT  # Zalo allows far more
    assert read_tap(payload) == Tap(key, 10**9)


@pytest.mark.parametrize(
    "typed",
    ["Hoa-Sen#2024", "nav:back", "nav:back#17", "skip#3.0000", "0912345678", "a#1.zzzz"],
)
def test_typed_text_of_a_payloads_shape_is_not_a_tap(typed: str) -> None:
    assert read_tap(typed) is None


def test_a_menu_longer_than_five_keeps_every_option_a_button_five_a_message() -> None:
    """Seven options and a link: numbered for typing, and every option still a button,
    each message listing the numbers of its own; the ways back and out, which no longer
    fit, are said in words."""
    nav = [Button("Quay lại", NAV[0]), Button("Trợ giúp", NAV[1]), Button("Hủy", NAV[2])]
    links = [Button("Mở trang ký số", url="https://regbot.test/sign/abc")]
    options = [(f"opt{n}", f"Lựa chọn {n}") for n in range(1, 8)]
    layout = Layout(["Chọn một"], options, nav, links, nav_words="Gõ 0 để quay lại", screen=3)
    messages, offered = layout_messages(layout)
    sent = [m["attachment"]["payload"]["buttons"] for m in messages]
    assert [len(b) for b in sent] == [5, 3]
    assert messages[0]["text"].startswith("Chọn một\n\n1. Lựa chọn 1")
    assert "4. Lựa chọn 4" in messages[0]["text"] and "5." not in messages[0]["text"]
    assert messages[1]["text"] == "5. Lựa chọn 5\n6. Lựa chọn 6\n7. Lựa chọn 7\n\nGõ 0 để quay lại"
    taps = [read_tap(b["payload"]) for group in sent for b in group if b["type"] != "oa.open.url"]
    assert taps == [Tap(key, 3) for key, _ in options]
    assert offered == [key for key, _ in options]
