"""The gateway's form (Africa's Talking convention), checked before any state is touched."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

MAX_TEXT: Final = 2000  # a whole session of inputs; a 10 KB text is refused
MAX_SESSION_ID: Final = 200
# ASCII digits only: `\d` takes any script's, and "+8٤9…" would be another caller (its own
# conversation and per-caller limits) for the same phone
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")


class BadUssdRequest(Exception):
    """The request cannot be served; `key` names the catalog message that says why."""

    def __init__(self, key: str, field: str) -> None:
        super().__init__(f"{key}: {field}")
        self.key = key
        self.field = field


@dataclass(frozen=True, slots=True)
class UssdRequest:
    session_id: str
    caller: str  # E.164
    text: str
    service_code: str = ""


def parse_form(form: Mapping[str, object]) -> UssdRequest:
    """The request's fields, or BadUssdRequest (missing field, bad caller, oversized)."""

    def field(name: str, required: bool) -> str:
        value = form.get(name)
        if not isinstance(value, str) or (required and not value.strip()):
            if required or value is not None:
                raise BadUssdRequest("ussd.bad_request.missing", name)
            return ""
        return value

    session_id = field("sessionId", required=True).strip()
    raw_caller = field("phoneNumber", required=True)
    caller = raw_caller.strip()
    text = field("text", required=False)
    if len(session_id) > MAX_SESSION_ID or not session_id.isprintable():
        raise BadUssdRequest("ussd.bad_request.session", "sessionId")
    if caller.isascii() and caller.isdigit() and raw_caller.startswith(" "):
        caller = "+" + caller  # an unencoded "+" arrives as a space
    if not _E164.fullmatch(caller):
        raise BadUssdRequest("ussd.bad_request.caller", "phoneNumber")
    if len(text) > MAX_TEXT:
        raise BadUssdRequest("ussd.bad_request.too_long", "text")
    service_code = field("serviceCode", required=False).strip()
    return UssdRequest(session_id, caller, text, service_code)
