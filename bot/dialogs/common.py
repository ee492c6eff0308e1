"""Steps every registration shares: OTP, password twice, duplicate account, other ways out."""

from __future__ import annotations

import unicodedata
from datetime import date
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import Account, AccountKind, DuplicateAccount, IdType, NewAccount
from bot.dialogs.limits import (
    HOUR,
    Limit,
    give_back,
    local_time,
    seconds_blocked,
    spend,
    subject_key,
)
from bot.dialogs.spec import STAY, Choice, Method, Outcome, Step, StepAction, StepContext
from bot.i18n import Msg, msg
from bot.otp import OtpCheck, ResendCheck
from bot.validation import check_password, mask_phone, parse_otp

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
    # in full: the person just typed it and must be able to spot a typo (a business's
    # notices go there); logs and the dashboard never see it
    return str(email) if email else msg("common.no_email")


# -- OTP ---------------------------------------------------------------------------


# Codes sent to one phone, whatever the dialog: cancelling and starting again must not
# reset the resend budget into an SMS cannon aimed at somebody's phone.
OTP_PER_PHONE: Final = Limit("otp_phone", allowed=10, window_seconds=HOUR)


async def send_otp(
    ctx: StepContext,
    phone: str,
    *,
    deliver: bool = True,
    sms_key: str = "otp.sms",
    resend: bool = False,
    background: bool = False,
) -> Outcome:
    """Send a code to `phone`, within the resend rules and the per-phone limit.

    A live code already sent to that phone in this dialog is not sent again unless the
    person asked for a resend (coming back to the summary and confirming again).
    With `deliver=False` everything happens (state, resend rules, notice) except the SMS,
    and the phone's budget is looked at, not spent (a code nobody receives must not use
    up the owner's): forgot-password runs this when no account matches, and sends with
    `background=True` when one does, so both paths look alike and fail alike (not at all).
    Raises IntegrationUnavailable when the SMS gateway fails: the dialog stays put, and
    the code that did not leave is not counted.
    """
    otp = ctx.services.otp
    now = ctx.services.epoch_seconds()
    previous = ctx.data.get(OTP_STATE)
    if previous is None or ctx.data.get(OTP_PHONE) != phone or previous.get("used"):
        previous = None
    elif not resend and otp.is_live(previous, now):
        return Outcome(notice=msg("otp.still_valid", phone=mask_phone(phone)))
    else:
        verdict, wait = otp.can_resend(previous, now)
        if verdict is ResendCheck.TOO_SOON:
            return Outcome(STAY, msg("otp.resend_too_soon", seconds=wait))
        if verdict is ResendCheck.LIMIT:
            return Outcome(STAY, msg("otp.resend_limit"))
    per_phone = subject_key(ctx, OTP_PER_PHONE, "phone", phone)
    check = spend if deliver else seconds_blocked
    if wait := await check(ctx, OTP_PER_PHONE, per_phone):
        return Outcome(STAY, msg("otp.phone_limit", until=local_time(ctx.now, wait)))
    code, state = otp.issue(now, previous)
    if deliver:
        sms = msg(sms_key, code=code, minutes=otp.policy.valid_seconds // 60)
        if background:  # not even rendered in the turn
            notify_by_sms(ctx, phone, sms, "a password-reset SMS")
        else:
            text = ctx.services.translator.render(sms, ctx.lang)
            try:
                await ctx.services.sms.send(phone, text)
            except Exception:
                await give_back(ctx, [per_phone])
                raise
    ctx.data[OTP_STATE] = state
    ctx.data[OTP_PHONE] = phone
    return Outcome(notice=msg("otp.sent", phone=mask_phone(phone)))


def notify_by_sms(ctx: StepContext, phone: str, message: Msg, what: str) -> None:
    """Send `message` to `phone` after the reply (`Services.later`): a code whose sending
    must not show in the reply's timing, a notice of what was done (an account
    registered, a password reset) that must not undo or delay it."""
    services, lang = ctx.services, ctx.lang

    async def send() -> None:
        await services.sms.send(phone, services.translator.render(message, lang))

    services.later(send(), what)


async def _resend(ctx: StepContext, _: Any) -> Outcome:
    outcome = await send_otp(ctx, str(ctx.data[OTP_PHONE]), resend=True)
    return Outcome(STAY, outcome.notice)


async def check_code(ctx: StepContext, code: Any, *, genuine: bool = True) -> Outcome:
    """Check a typed code. `genuine=False` (a code that was never sent) counts the try
    like any other but never accepts, so a lucky guess cannot get through."""
    state = ctx.data.get(OTP_STATE)
    if state is None:
        return Outcome(STAY, msg("otp.none"))
    verdict = ctx.services.otp.verify(state, str(code), ctx.services.epoch_seconds())
    if verdict is OtpCheck.OK and not genuine:
        verdict = OtpCheck.WRONG if ctx.services.otp.tries_left(state) else OtpCheck.EXHAUSTED
    if verdict is OtpCheck.OK:
        return Outcome(notice=msg("otp.accepted"))
    if verdict is OtpCheck.WRONG:
        return Outcome(STAY, msg("otp.wrong", tries=ctx.services.otp.tries_left(state)))
    if verdict is OtpCheck.EXPIRED:
        return Outcome(STAY, msg("otp.expired"))
    return Outcome(STAY, msg("otp.exhausted"))


def otp_step(
    name: str,
    next_ok: str,
    *,
    prompt_key: str = "otp.prompt",
    resend: StepAction = _resend,
    check: StepAction = check_code,
) -> Step:
    """Guide step 4: type the code sent by SMS, or "Gửi lại OTP"."""
    return Step(
        name=name,
        prompt=lambda ctx: msg(prompt_key, phone=mask_phone(str(ctx.data.get(OTP_PHONE, "")))),
        help=msg("otp.help"),
        choices=(Choice("resend", msg("otp.resend"), act=resend),),
        parse=lambda text, ctx: parse_otp(text),
        act=check,
        next={"ok": next_ok},
        sensitive=True,
    )


# -- password twice ----------------------------------------------------------------


def _check_password(text: str, ctx: StepContext) -> str:
    """The guide's rules; the password itself is never stored (field None), only hashed."""
    return check_password(
        text,
        id_number=ctx.data.get("id_number"),
        phone=ctx.data.get("phone") or ctx.data.get(OTP_PHONE),
    )


async def _hash_password(ctx: StepContext, password: Any) -> Outcome:
    ctx.data[PASSWORD_HASH] = await ctx.services.passwords.hash_async(str(password))
    return Outcome()


def password_steps(prefix: str, finish: StepAction, after: dict[str, str]) -> tuple[Step, Step]:
    """Guide step 5: password and its confirmation; `finish` creates the account.

    The password is hashed as it arrives; the confirmation is checked against the hash.
    """

    async def confirm(ctx: StepContext, typed: Any) -> Outcome:
        stored = str(ctx.data.get(PASSWORD_HASH, ""))
        if not await ctx.services.passwords.verify_async(stored, str(typed)):
            ctx.data.pop(PASSWORD_HASH, None)
            return Outcome("mismatch", msg("password.mismatch"))
        return await finish(ctx, None)

    first = Step(
        name=f"{prefix}.password",
        prompt=msg("password.prompt"),
        help=msg("password.help"),
        parse=_check_password,
        act=_hash_password,
        next={"ok": f"{prefix}.password_confirm"},
        sensitive=True,
        checkpoint=True,
    )
    second = Step(
        name=f"{prefix}.password_confirm",
        prompt=msg("password.confirm_prompt"),
        help=msg("password.help"),
        # the same NFC as the first entry: a keyboard typing decomposed accents
        # (Unikey's "Unicode tổ hợp") must be able to confirm its own password
        parse=lambda text, ctx: unicodedata.normalize("NFC", text),
        act=confirm,
        next={"mismatch": first.name, **after},
        sensitive=True,
    )
    return first, second


# -- the account ----------------------------------------------------------------


def level_2_account(ctx: StepContext, method: str, full_name: str) -> NewAccount:
    """A citizen's account from the dialog data, after an OTP to the verified phone
    (mobile subscriber, BHXH): guide level 2, the password as hashed on arrival."""
    d = ctx.data
    return NewAccount(
        kind=AccountKind.CITIZEN,
        id_type=IdType(d.get("id_type", "CCCD")),
        id_number=d["id_number"],
        full_name=full_name,
        date_of_birth=date.fromisoformat(d["birth_date"]),
        phone=d["phone"],
        email=d.get("email"),
        password_hash=d[PASSWORD_HASH],
        verification_level=2,
        method=method,
    )


async def create_account(ctx: StepContext, account: NewAccount) -> Outcome:
    """Create the account once. A final turn can be retried after the account was made
    but before the dialog was saved (the store failed, the reply was lost): the retry
    finds its own account - same password hash, or for a signature registration the same
    method within a session's lifetime - and is told it is done, not "duplicate"."""
    accounts = ctx.services.accounts
    try:
        await accounts.create(account)
    except DuplicateAccount:
        existing = await accounts.find(account.kind, account.id_number)
        if existing is None or not _same_registration(ctx, existing, account):
            return Outcome("duplicate")
    return Outcome()


def _same_registration(ctx: StepContext, existing: Account, new: NewAccount) -> bool:
    if new.password_hash is not None:
        return existing.password_hash == new.password_hash  # argon2 salts: unique per hash
    recent = (ctx.now - existing.created_at).total_seconds() < ctx.services.settings.session_ttl
    return existing.method == new.method and recent


# -- ways out ----------------------------------------------------------------------

FORGOT_PASSWORD_ENTRY: Final = "forgot.kind"  # first step of bot.dialogs.forgot_password

HOME_CHOICE: Final = Choice("home", msg("common.choice_home"))
OTHER_WAYS_CHOICE: Final = Choice("other_ways", msg("common.choice_other_ways"))
FORGOT_CHOICE: Final = Choice("forgot", msg("common.choice_forgot_password"))
WAYS_OUT: Final = {
    "forgot": FORGOT_PASSWORD_ENTRY,
    "other_ways": CommonStep.OTHER_WAYS,
    "home": "start.who",
}

# On the first screen (no registrant kind): the help screen with the other ways.
OTHER_WAYS_METHOD: Final = Method(
    "other_ways", msg("common.choice_other_ways"), kinds=(), entry=CommonStep.OTHER_WAYS
)

COMMON_STEPS: Final = (
    Step(
        name=CommonStep.DUPLICATE,
        prompt=msg("common.duplicate"),
        help=msg("common.duplicate_help"),
        choices=(FORGOT_CHOICE, OTHER_WAYS_CHOICE, HOME_CHOICE),
        next=WAYS_OUT,
    ),
    Step(
        name=CommonStep.OTHER_WAYS,
        prompt=msg("common.other_ways"),
        help=msg("common.other_ways_help"),
        choices=(FORGOT_CHOICE, HOME_CHOICE),
        next={"forgot": FORGOT_PASSWORD_ENTRY, "home": "start.who"},
    ),
)
