"""Zalo's webhook events: the signature that proves Zalo sent one, and what it means.

`X-ZEvent-Signature: mac=<hex SHA-256 of app_id + raw body + timestamp + OA secret key>`,
with `app_id` and `timestamp` as they appear in the body (CONTRACTS); in production the
signed `timestamp` must also be recent (`Settings.zalo_event_window`), or a copied event
could be replayed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from bot.keys import same_secret

SIGNATURE_HEADER: Final = "X-ZEvent-Signature"
# How old a signed event's `timestamp` may be is `Settings.zalo_event_window` (15 minutes
# in production). The signature binds the timestamp but never expires, so a copied event
# would be good forever; only its msg_id, remembered in the person's inbox for `INBOX_TTL`
# (a day, and the last `SEEN_LIMIT` deliveries), stops it being applied twice. The window
# must be shorter than that memory, so that a replay is caught by one or the other: once
# the inbox forgets a msg_id, the event is long out of the window. Zalo's own retries come
# within minutes of the event.
EVENT_MAX_AHEAD: Final = 5 * 60
"""Seconds a `timestamp` may run ahead of regbot's clock: Zalo's and ours drift a little;
an event from further in the future would outlive the window above."""
MEDIA_EVENTS: Final = frozenset(
    {
        "user_send_image",
        "user_send_sticker",
        "user_send_gif",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_location",
        "user_send_link",
    }
)


class Kind(StrEnum):
    TEXT = "text"  # typed text, or a tapped `oa.query.hide` button's payload
    FOLLOW = "follow"
    MEDIA = "media"  # an image, sticker, file, location...: the bot reads text only
    PHONE = "phone"  # `user_submit_info`: the sender's own number


@dataclass(frozen=True, slots=True)
class ZaloEvent:
    kind: Kind
    user_id: str
    delivery: str  # what makes a delivery unique: the msg_id, or the event itself
    text: str = ""
    phone: str = ""

    def __repr__(self) -> str:  # the text may be an OTP or an ID number: never printed
        return f"ZaloEvent({self.kind}, delivery={self.delivery[:8]}...)"


def mac(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    data = app_id.encode() + body + timestamp.encode() + secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def verified(body: bytes, header: str, app_id: str, secret_key: str) -> dict[str, Any] | None:
    """The event when the signature is Zalo's for this app, else None (in constant time)."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than json recurses
        return None
    if not isinstance(event, dict):
        return None
    given = header.strip().removeprefix("mac=").strip().lower()
    sent_app, timestamp = event.get("app_id"), event.get("timestamp")
    if sent_app is None or timestamp is None:
        return None
    expected = mac(_as_text(sent_app), body, _as_text(timestamp), secret_key)
    good = same_secret(given, expected)  # a header that is not UTF-8: a mismatch
    return event if good and _as_text(sent_app) == app_id else None


def timely(event: dict[str, Any], now: float, max_age: int) -> bool:
    """Whether the event's `timestamp` (milliseconds, a number or a string of digits) lies
    within the window around `now` (epoch seconds): at most `max_age` seconds old and at
    most `EVENT_MAX_AHEAD` ahead. `max_age` 0: no window, any timestamp."""
    if not max_age:
        return True
    stamp = _as_text(event.get("timestamp", ""))
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 16:
        return False
    age = now - int(stamp) / 1000
    return -EVENT_MAX_AHEAD <= age <= max_age


def parse_event(event: dict[str, Any]) -> ZaloEvent | None:
    """What the event asks of the bot; None for what needs no answer (unfollow, others)."""
    name = str(event.get("event_name", ""))
    sender = event.get("follower") if name == "follow" else event.get("sender")
    user_id = str(sender.get("id", "")) if isinstance(sender, dict) else ""
    if not user_id:
        return None
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    assert isinstance(message, dict)
    msg_id = str(message.get("msg_id") or "")
    delivery = msg_id or f"{name}:{user_id}:{_as_text(event.get('timestamp', ''))}"
    if name == "user_send_text":
        return ZaloEvent(Kind.TEXT, user_id, delivery, text=str(message.get("text", "")))
    if name == "follow":
        return ZaloEvent(Kind.FOLLOW, user_id, delivery)
    if name in MEDIA_EVENTS:
        return ZaloEvent(Kind.MEDIA, user_id, delivery)
    if name == "user_submit_info":
        info = event.get("info") if isinstance(event.get("info"), dict) else {}
        assert isinstance(info, dict)
        return ZaloEvent(Kind.PHONE, user_id, delivery, phone=str(info.get("phone", "")))
    return None
