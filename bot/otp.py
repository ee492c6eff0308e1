"""One-time codes sent by SMS: 6 digits, 5 minutes, 5 tries, resend after 60 s, 3 resends.

Only a keyed digest of the code is kept (in the encrypted dialog state, `OtpState`): the
code itself exists in the SMS and nowhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import pyotp

from bot.dialogs.draft import OtpState


@dataclass(frozen=True, slots=True)
class OtpPolicy:
    digits: int = 6
    valid_seconds: int = 5 * 60
    max_attempts: int = 5
    resend_after_seconds: int = 60
    max_resends: int = 3


DEFAULT_POLICY: Final = OtpPolicy()


class OtpCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"  # too many wrong tries: this code is dead


class ResendCheck(StrEnum):
    OK = "ok"
    TOO_SOON = "too_soon"
    LIMIT = "limit"


class OtpService:
    """Issues codes and checks them against the state kept in the dialog data."""

    def __init__(self, key: bytes, policy: OtpPolicy = DEFAULT_POLICY) -> None:
        self._key = key
        self.policy = policy

    def _digest(self, code: str, salt: str) -> str:
        return hmac.new(self._key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()

    def issue(
        self, now: float, phone: str, previous: OtpState | None = None
    ) -> tuple[str, OtpState]:
        """A fresh code for `phone` and the state to keep; resends carry the count over."""
        secret = pyotp.random_base32()
        code = pyotp.HOTP(secret, digits=self.policy.digits).at(0)
        salt = secrets.token_hex(8)
        resends = previous.resends + 1 if previous else 0
        state = OtpState(
            phone=phone,
            digest=self._digest(code, salt),
            salt=salt,
            issued_at=now,
            resends=resends,
        )
        return code, state

    def can_resend(self, state: OtpState, now: float) -> tuple[ResendCheck, int]:
        """Whether a new code may be sent, and if too soon, in how many seconds."""
        if state.resends >= self.policy.max_resends:
            return ResendCheck.LIMIT, 0
        wait = int(state.issued_at + self.policy.resend_after_seconds - now + 0.999)
        if wait > 0:
            return ResendCheck.TOO_SOON, wait
        return ResendCheck.OK, 0

    def verify(self, state: OtpState, code: str, now: float) -> OtpCheck:
        """Check a typed code; counts the attempt in `state` (the caller saves it)."""
        if state.used or state.attempts >= self.policy.max_attempts:  # single use
            return OtpCheck.EXHAUSTED
        if now - state.issued_at > self.policy.valid_seconds:
            return OtpCheck.EXPIRED
        state.attempts += 1
        if hmac.compare_digest(self._digest(code, state.salt), state.digest):
            state.used = True
            state.verified_at = now  # with `attempts`, the account's evidence
            return OtpCheck.OK
        if state.attempts >= self.policy.max_attempts:
            return OtpCheck.EXHAUSTED
        return OtpCheck.WRONG

    def is_live(self, state: OtpState, now: float) -> bool:
        """The code can still be typed: not used, not expired, tries left."""
        return (
            not state.used
            and now - state.issued_at <= self.policy.valid_seconds
            and state.attempts < self.policy.max_attempts
        )

    def tries_left(self, state: OtpState) -> int:
        """None once the code was used: it is single use."""
        return 0 if state.used else max(0, self.policy.max_attempts - state.attempts)
