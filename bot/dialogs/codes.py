"""One-time codes by SMS (guide step 4): sent to the verified phone, "Gửi lại OTP",
limited tries and resends, per phone across dialogs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from bot.dialogs.common import (
    AWAY,
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
)
from bot.dialogs.exits import Exit
from bot.dialogs.limits import HOUR, Limit, Limits, local_time
from bot.dialogs.ports import Notifier
from bot.engine.spec import Act, Choice, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.otp import OtpCheck, OtpService, ResendCheck
from bot.validation import mask_phone, parse_otp
from integrations.errors import IntegrationUnavailable

# Codes sent to one phone, whatever the dialog: cancelling and starting again must not
# reset the resend budget into an SMS cannon aimed at somebody's phone.
OTP_PER_PHONE: Final = Limit("otp_phone", allowed=10, window_seconds=HOUR)


class OtpCodes:
    """Guide step 4: a code by SMS to the verified phone, "Gửi lại OTP", limited tries."""

    def __init__(self, otp: OtpService, notifier: Notifier, limits: Limits) -> None:
        self._otp = otp
        self._notifier = notifier
        self._limits = limits

    @property
    def valid_minutes(self) -> int:
        return self._otp.policy.valid_seconds // 60

    async def send(
        self,
        ctx: StepContext,
        phone: str,
        *,
        deliver: bool = True,
        sms_key: str = "otp.sms",
        resend: bool = False,
        after_reply: bool = False,
    ) -> Outcome:
        """Send a code to `phone`, within the resend rules and the per-phone limit.

        A live code already sent to that phone in this dialog is not sent again unless the
        person asked for a resend (coming back to the summary and confirming again).
        With `deliver=False` everything happens (state, resend rules, notice) except the
        SMS, and the phone's budget is looked at, not spent (a code nobody receives must
        not use up the owner's): forgot password runs this when no account matches, and
        sends with `after_reply=True` when one does, so both paths look alike and fail
        alike (not at all). Raises IntegrationUnavailable when the gateway fails: the
        code that did not leave is not counted. When it may have left (the gateway took
        too long to say), the code is kept and counted, and the person told to resend if
        it does not come.
        """
        now = ctx.epoch
        previous = ctx.draft.otp
        if previous is None or previous.phone != phone or previous.used:
            previous = None
        elif not resend and self._otp.is_live(previous, now):
            return Outcome(notice=msg("otp.still_valid", phone=mask_phone(phone)))
        else:
            verdict, wait = self._otp.can_resend(previous, now)
            if verdict is ResendCheck.TOO_SOON:
                return Outcome.stay(msg("otp.resend_too_soon", seconds=wait))
            if verdict is ResendCheck.LIMIT:
                return Outcome.stay(msg("otp.resend_limit"))
        check = self._limits.spend if deliver else self._limits.blocked
        if wait := await check(OTP_PER_PHONE, "phone", phone):
            return Outcome.stay(msg("otp.phone_limit", until=local_time(ctx.now, wait)))
        code, state = self._otp.issue(now, phone, previous)
        if previous is None:  # a new code, a new round: its password confirmation too
            ctx.draft.password_attempts = 0
        if deliver:
            text = msg(sms_key, code=code, minutes=self.valid_minutes)
            if after_reply:
                self._notifier.send_after_reply(phone, text, ctx.lang)
            else:
                try:
                    await self._notifier.send(phone, text, ctx.lang)
                except IntegrationUnavailable as failed:
                    if not failed.uncertain:
                        await self._give_back(phone)
                        raise
                    # the gateway may have taken it: the code stands, as if sent (another
                    # would void the one that may arrive), and a resend is the way out
                    ctx.draft.otp = state
                    seconds = self._otp.policy.resend_after_seconds
                    return Outcome(
                        notice=msg("otp.sent_maybe", phone=mask_phone(phone), seconds=seconds)
                    )
                except BaseException:
                    await self._give_back(phone)
                    raise
        ctx.draft.otp = state
        return Outcome(notice=msg("otp.sent", phone=mask_phone(phone)))

    async def _give_back(self, phone: str) -> None:
        """The code that did not leave is not counted against the phone."""
        await self._limits.give_back([self._limits.key(OTP_PER_PHONE, "phone", phone)])

    async def check(self, ctx: StepContext, code: Any, *, genuine: bool = True) -> Outcome:
        """Check a typed code. `genuine=False` (a code that was never sent) counts the try
        like any other but never accepts, so a lucky guess cannot get through."""
        state = ctx.draft.otp
        if state is None:
            return Outcome.stay(msg("otp.none"))
        verdict = self._otp.verify(state, str(code), ctx.epoch)
        if verdict is OtpCheck.OK and not genuine:
            verdict = OtpCheck.WRONG if self._otp.tries_left(state) else OtpCheck.EXHAUSTED
        if verdict is OtpCheck.OK:
            return Outcome(notice=msg("otp.accepted"))
        if verdict is OtpCheck.WRONG:
            return Outcome.stay(msg("otp.wrong", tries=self._otp.tries_left(state)))
        if verdict is OtpCheck.EXPIRED:
            return Outcome.stay(msg("otp.expired"))
        return Outcome.stay(msg("otp.exhausted"))

    @act(Exit.OK)
    async def check_code(self, ctx: StepContext, code: Any) -> Outcome:
        return await self.check(ctx, code)

    @act()
    async def resend(self, ctx: StepContext, _: Any) -> Outcome:
        state = ctx.draft.otp
        if state is None:
            return Outcome.stay(msg("otp.none"))
        outcome = await self.send(ctx, state.phone, resend=True)
        return Outcome.stay(outcome.notice)

    def step(
        self,
        name: StrEnum,
        next_ok: StrEnum,
        *,
        prompt_key: str = "otp.prompt",
        resend: Act | None = None,
        check: Act | None = None,
        ways_out: bool = False,
    ) -> Step:
        """Type the code sent by SMS, or "Gửi lại OTP"; with `ways_out`, also the other
        ways and the first screen (forgot password: no code may ever come)."""

        def prompt(ctx: StepContext) -> Msg:
            phone = ctx.draft.otp.phone if ctx.draft.otp else ""
            return msg(prompt_key, phone=mask_phone(phone))

        return Step(
            name=name,
            prompt=prompt,
            help=msg("otp.help"),
            choices=(
                Choice(Exit.RESEND, msg("otp.resend"), act=resend or self.resend),
                *((OTHER_WAYS_CHOICE, HOME_CHOICE) if ways_out else ()),
            ),
            parse=lambda text, ctx: parse_otp(text),
            act=check or self.check_code,
            next={Exit.OK: next_ok, **(AWAY if ways_out else {})},
            sensitive=True,
        )
