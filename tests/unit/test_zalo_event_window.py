"""In production a signed Zalo event is taken only while its `timestamp` is recent: the
window that makes a copied event useless before the inbox forgets its msg_id. Outside
production there is no window: the contract's only refusal is a bad signature, and
fixtures keep fixed timestamps."""

from __future__ import annotations

import pytest

from bot.channels.zalo.events import EVENT_MAX_AHEAD, timely
from bot.channels.zalo.inbox import INBOX_TTL
from bot.config import ZALO_EVENT_WINDOW, ZALO_EVENT_WINDOW_MAX, ConfigError, Settings

NOW = 1_764_579_600.0  # epoch seconds
WINDOW = ZALO_EVENT_WINDOW


def stamped(seconds_ago: float) -> dict[str, object]:
    return {"timestamp": str(int((NOW - seconds_ago) * 1000))}


def test_the_widest_window_closes_well_before_the_inbox_forgets_a_delivery() -> None:
    assert ZALO_EVENT_WINDOW <= ZALO_EVENT_WINDOW_MAX
    assert ZALO_EVENT_WINDOW_MAX + EVENT_MAX_AHEAD < INBOX_TTL


def test_production_has_the_window_and_development_none_unless_set() -> None:
    assert Settings.from_env({"REGBOT_ENV": "production"}).zalo_event_window == WINDOW
    assert Settings.from_env({}).zalo_event_window == 0
    assert Settings.from_env({"ZALO_EVENT_MAX_AGE": "120"}).zalo_event_window == 120
    set_to_none = {"REGBOT_ENV": "production", "ZALO_EVENT_MAX_AGE": "0"}
    assert Settings.from_env(set_to_none).zalo_event_window == 0


@pytest.mark.parametrize("value", ["-1", str(ZALO_EVENT_WINDOW_MAX + 1)])
def test_a_window_past_the_inbox_memory_or_below_zero_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="ZALO_EVENT_MAX_AGE"):
        Settings.from_env({"ZALO_EVENT_MAX_AGE": value}).check()


@pytest.mark.parametrize(
    ("seconds_ago", "taken"),
    [
        (0, True),
        (WINDOW - 1, True),  # Zalo's retry, minutes late
        (WINDOW + 1, False),
        (-(EVENT_MAX_AHEAD - 1), True),  # Zalo's clock a little ahead of ours
        (-(EVENT_MAX_AHEAD + 1), False),
        (5 * 365 * 24 * 3600, False),
    ],
)
def test_an_event_is_taken_only_within_the_window(seconds_ago: float, taken: bool) -> None:
    assert timely(stamped(seconds_ago), NOW, WINDOW) is taken


def test_without_a_window_any_timestamp_is_taken() -> None:
    assert timely(stamped(5 * 365 * 24 * 3600), NOW, 0)
    assert timely({"timestamp": "soon"}, NOW, 0)


def test_a_timestamp_given_as_a_number_is_read_like_the_string() -> None:
    assert timely({"timestamp": int(NOW * 1000)}, NOW, WINDOW)


@pytest.mark.parametrize(
    "stamp", [None, "", "soon", "-1", "1.5e12", "１７６４５７９６０００００", "9" * 5000]
)
def test_a_missing_or_unreadable_timestamp_is_refused(stamp: object) -> None:
    assert not timely({} if stamp is None else {"timestamp": stamp}, NOW, WINDOW)
