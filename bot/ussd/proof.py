"""A new network session proves the caller's phone before it resumes a dialog that holds
personal data: `phoneNumber` is only the gateway's word, a code by SMS is the phone's.

The code is the dialogs' own OTP step (`send_otp`, `check_code`: the same resend rules,
tries and per-phone budget), sent to the number the dialog is keyed on; only its digest
is kept, sealed in the caller's channel state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from bot.dialogs.common import OTP_PHONE, OTP_STATE, check_code, send_otp
from bot.dialogs.fields import caller_mobile
from bot.dialogs.spec import OK, Invalid, StepContext
from bot.i18n import Msg, msg
from bot.services import Services
from bot.validation import mask_phone, parse_otp
from integrations.errors import IntegrationRejected, IntegrationUnavailable

SMS_KEY: Final = "ussd.resume_sms"
_SMS_DOWN: Final = (IntegrationUnavailable, IntegrationRejected)


@dataclass(frozen=True, slots=True)
class Proof:
    """Where the proof stands: `proven` once the code matched; `phone` (masked) where the
    code went, None when the caller's number cannot receive one."""

    proven: bool
    phone: str | None
    notice: Msg | None
    state: dict[str, Any] | None  # the OTP state (digest, tries) to keep until proven


class CallerProof:
    def __init__(self, services: Services) -> None:
        self._services = services

    def _context(
        self, caller: str, lang: str, state: dict[str, Any] | None
    ) -> tuple[StepContext, str | None]:
        """The OTP step's context, and the caller's number when it can receive a code."""
        ctx = StepContext(
            data={},
            services=self._services,
            lang=lang,
            channel="ussd",
            user_id=caller,
            now=self._services.clock(),
            caller=caller,
        )
        phone = caller_mobile(ctx)
        if state is not None and phone is not None:
            ctx.data.update({OTP_STATE: state, OTP_PHONE: phone})
        return ctx, phone

    async def send(
        self, caller: str, lang: str, state: dict[str, Any] | None, *, resend: bool = False
    ) -> Proof:
        """Send a code to the caller's phone (a live one is not sent twice unless asked)."""
        ctx, phone = self._context(caller, lang, state)
        if phone is None:  # not a Vietnamese mobile: no code can prove it
            return Proof(False, None, msg("ussd.prove_impossible"), None)
        try:
            outcome = await send_otp(ctx, phone, sms_key=SMS_KEY, resend=resend)
        except _SMS_DOWN:
            return Proof(False, mask_phone(phone), msg("engine.try_again_later"), state)
        # sent (or still valid): the prompt says where it went; otherwise why not
        notice = None if outcome.trigger == OK else outcome.notice
        return Proof(False, mask_phone(phone), notice, ctx.data.get(OTP_STATE))

    async def check(self, caller: str, lang: str, state: dict[str, Any] | None, text: str) -> Proof:
        ctx, phone = self._context(caller, lang, state)
        masked = mask_phone(phone) if phone else None
        try:
            code = parse_otp(text)
        except Invalid as refused:
            return Proof(False, masked, refused.message, state)
        outcome = await check_code(ctx, code)
        proven = outcome.trigger == OK and state is not None
        return Proof(proven, masked, None if proven else outcome.notice, ctx.data.get(OTP_STATE))
