"""Steps every registration shares: OTP, password twice, duplicate account, other ways."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Final

from bot.dialogs.spec import STAY, Choice, Outcome, Step, StepAction, StepContext
from bot.i18n import Msg, msg
from bot.otp import OtpCheck, ResendCheck
from bot.validation import check_password, mask_email, mask_phone, parse_otp

OTP_STATE: Final = "otp"
OTP_PHONE: Final = "otp_phone"
PASSWORD_HASH: Final = "password_hash"


class CommonStep(StrEnum):
    DUPLICATE = "common.duplicate"
    OTHER_WAYS = "common.other_ways"


# -- display helpers ---------------------------------------------------------------


def show_date(value: Any) -> str:
    """ISO date kept in the dialog data -> dd/mm/yyyy as people type it."""
    return date.fromisoformat(str(value)).strftime("%d/%m/%Y")


def optional_email(data: dict[str, Any]) -> Msg | str:
    email = data.get("email")
    return mask_email(email) if email else msg("common.no_email")


# -- OTP ---------------------------------------------------------------------------


async def send_otp(ctx: StepContext, phone: str) -> Outcome:
    """Send a code to `phone` (a resend when a code was sent before in this dialog).

    Raises IntegrationUnavailable when the SMS gateway fails: the dialog stays put.
    """
    otp = ctx.services.otp
    now = ctx.services.monotonic()
    previous = ctx.data.get(OTP_STATE)
    if previous is not None and ctx.data.get(OTP_PHONE) == phone and not previous.get("used"):
        verdict, wait = otp.can_resend(previous, now)
        if verdict is ResendCheck.TOO_SOON:
            return Outcome(STAY, msg("otp.resend_too_soon", seconds=wait))
        if verdict is ResendCheck.LIMIT:
            return Outcome(STAY, msg("otp.resend_limit"))
    else:
        previous = None
    code, state = otp.issue(now, previous)
    text = ctx.services.translator.render(
        msg("otp.sms", code=code, minutes=otp.policy.valid_seconds // 60), ctx.lang
    )
    await ctx.services.sms.send(phone, text)
    ctx.data[OTP_STATE] = state
    ctx.data[OTP_PHONE] = phone
    return Outcome(notice=msg("otp.sent", phone=mask_phone(phone)))


async def _resend(ctx: StepContext, _: Any) -> Outcome:
    outcome = await send_otp(ctx, str(ctx.data[OTP_PHONE]))
    return Outcome(STAY, outcome.notice)


async def _check_code(ctx: StepContext, code: Any) -> Outcome:
    state = ctx.data.get(OTP_STATE)
    if state is None:
        return Outcome(STAY, msg("otp.none"))
    verdict = ctx.services.otp.verify(state, str(code), ctx.services.monotonic())
    if verdict is OtpCheck.OK:
        return Outcome(notice=msg("otp.accepted"))
    if verdict is OtpCheck.WRONG:
        return Outcome(STAY, msg("otp.wrong", tries=ctx.services.otp.tries_left(state)))
    if verdict is OtpCheck.EXPIRED:
        return Outcome(STAY, msg("otp.expired"))
    return Outcome(STAY, msg("otp.exhausted"))


def otp_step(name: str, next_ok: str) -> Step:
    """Guide step 4: type the code sent by SMS, or "Gửi lại OTP"."""
    return Step(
        name=name,
        prompt=lambda ctx: msg("otp.prompt", phone=mask_phone(str(ctx.data.get(OTP_PHONE, "")))),
        help=msg("otp.help"),
        choices=(Choice("resend", msg("otp.resend"), act=_resend),),
        parse=lambda text, ctx: parse_otp(text),
        act=_check_code,
        next={"ok": next_ok},
        sensitive=True,
    )


# -- password twice ----------------------------------------------------------------


def _hash_password(text: str, ctx: StepContext) -> str:
    password = check_password(
        text,
        id_number=ctx.data.get("id_number"),
        phone=ctx.data.get("phone") or ctx.data.get(OTP_PHONE),
    )
    return ctx.services.passwords.hash(password)


def _confirm(text: str, ctx: StepContext) -> bool:
    return ctx.services.passwords.verify(str(ctx.data.get(PASSWORD_HASH, "")), text)


def password_steps(prefix: str, finish: StepAction, after: dict[str, str]) -> tuple[Step, Step]:
    """Guide step 5: password and its confirmation; `finish` creates the account.

    The password is hashed as it arrives; the confirmation is checked against the hash.
    """

    async def confirm(ctx: StepContext, matches: Any) -> Outcome:
        if not matches:
            ctx.data.pop(PASSWORD_HASH, None)
            return Outcome("mismatch", msg("password.mismatch"))
        return await finish(ctx, None)

    first = Step(
        name=f"{prefix}.password",
        prompt=msg("password.prompt"),
        help=msg("password.help"),
        parse=_hash_password,
        field=PASSWORD_HASH,
        next={"ok": f"{prefix}.password_confirm"},
        sensitive=True,
        checkpoint=True,
    )
    second = Step(
        name=f"{prefix}.password_confirm",
        prompt=msg("password.confirm_prompt"),
        help=msg("password.help"),
        parse=_confirm,
        act=confirm,
        next={"mismatch": first.name, **after},
        sensitive=True,
    )
    return first, second


# -- ways out ----------------------------------------------------------------------

HOME_CHOICE: Final = Choice("home", msg("common.choice_home"))
OTHER_WAYS_CHOICE: Final = Choice("other_ways", msg("common.choice_other_ways"))

COMMON_STEPS: Final = (
    Step(
        name=CommonStep.DUPLICATE,
        prompt=msg("common.duplicate"),
        help=msg("common.duplicate_help"),
        choices=(OTHER_WAYS_CHOICE, HOME_CHOICE),
        next={"other_ways": CommonStep.OTHER_WAYS, "home": "start.who"},
    ),
    Step(
        name=CommonStep.OTHER_WAYS,
        prompt=msg("common.other_ways"),
        help=msg("common.other_ways_help"),
        choices=(HOME_CHOICE,),
        next={"home": "start.who"},
    ),
)
