"""A signed Zalo event is taken only while its `timestamp` is recent: the window that
makes a copied event useless before the inbox forgets its msg_id."""

from __future__ import annotations

import pytest

from bot.channels.zalo.events import EVENT_MAX_AGE, EVENT_MAX_AHEAD, timely
from bot.channels.zalo.inbox import INBOX_TTL

NOW = 1_764_579_600.0  # epoch seconds


def stamped(seconds_ago: float) -> dict[str, object]:
    return {"timestamp": str(int((NOW - seconds_ago) * 1000))}


def test_the_window_closes_well_before_the_inbox_forgets_a_delivery() -> None:
    assert EVENT_MAX_AGE + EVENT_MAX_AHEAD < INBOX_TTL


@pytest.mark.parametrize(
    ("seconds_ago", "taken"),
    [
        (0, True),
        (EVENT_MAX_AGE - 1, True),  # Zalo's retry, minutes late
        (EVENT_MAX_AGE + 1, False),
        (-(EVENT_MAX_AHEAD - 1), True),  # Zalo's clock a little ahead of ours
        (-(EVENT_MAX_AHEAD + 1), False),
        (5 * 365 * 24 * 3600, False),
    ],
)
def test_an_event_is_taken_only_within_the_window(seconds_ago: float, taken: bool) -> None:
    assert timely(stamped(seconds_ago), NOW) is taken


def test_a_timestamp_given_as_a_number_is_read_like_the_string() -> None:
    assert timely({"timestamp": int(NOW * 1000)}, NOW)


@pytest.mark.parametrize(
    "stamp", [None, "", "soon", "-1", "1.5e12", "１７６４５７９６０００００", "9" * 5000]
)
def test_a_missing_or_unreadable_timestamp_is_refused(stamp: object) -> None:
    assert not timely({} if stamp is None else {"timestamp": stamp}, NOW)
