"""A new network session proves the caller's phone before it resumes a dialog that holds
personal data: `phoneNumber` is only the gateway's word, a code by SMS is the phone's.

The code is the dialogs' own OTP step (`OtpCodes`: the same resend rules, tries and
per-phone budget), sent to the number the dialog is keyed on; only its digest is kept,
in the caller's channel slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.dialogs.codes import OtpCodes
from bot.dialogs.draft import Draft, OtpState
from bot.dialogs.fields import caller_mobile
from bot.engine.spec import OK, Invalid, StepContext
from bot.i18n import Msg, msg
from bot.validation import mask_phone, parse_otp
from integrations.errors import IntegrationRejected, IntegrationUnavailable

CHANNEL: Final = "ussd"
SMS_KEY: Final = "ussd.resume_sms"
_SMS_DOWN: Final = (IntegrationUnavailable, IntegrationRejected)


@dataclass(frozen=True, slots=True)
class Proof:
    """Where the proof stands: `proven` once the code matched; `phone` (masked) where the
    code went, None when the caller's number cannot receive one."""

    proven: bool
    phone: str | None
    notice: Msg | None
    state: OtpState | None  # the code's digest and tries, kept until proven


class CallerProof:
    def __init__(self, codes: OtpCodes, clock: Callable[[], datetime]) -> None:
        self._codes = codes
        self._clock = clock

    def _context(
        self, caller: str, lang: str, state: OtpState | None
    ) -> tuple[StepContext, str | None]:
        """The OTP step's context, and the caller's number when it can receive a code."""
        ctx = StepContext(Draft(otp=state), lang, CHANNEL, caller, self._clock(), caller)
        return ctx, caller_mobile(ctx)

    async def send(
        self, caller: str, lang: str, state: OtpState | None, *, resend: bool = False
    ) -> Proof:
        """Send a code to the caller's phone (a live one is not sent twice unless asked)."""
        ctx, phone = self._context(caller, lang, state)
        if phone is None:  # not a Vietnamese mobile: no code can prove it
            return Proof(False, None, msg("ussd.prove_impossible"), None)
        try:
            outcome = await self._codes.send(ctx, phone, sms_key=SMS_KEY, resend=resend)
        except _SMS_DOWN:
            return Proof(False, mask_phone(phone), msg("engine.try_again_later"), state)
        # sent (or still valid): the prompt says where it went; otherwise why not
        notice = None if outcome.exit == OK else outcome.notice
        return Proof(False, mask_phone(phone), notice, ctx.draft.otp)

    async def check(self, caller: str, lang: str, state: OtpState | None, text: str) -> Proof:
        ctx, phone = self._context(caller, lang, state)
        masked = mask_phone(phone) if phone else None
        try:
            code = parse_otp(text)
        except Invalid as refused:
            return Proof(False, masked, refused.message, state)
        outcome = await self._codes.check(ctx, code)
        proven = outcome.exit == OK and state is not None
        return Proof(proven, masked, None if proven else outcome.notice, ctx.draft.otp)
