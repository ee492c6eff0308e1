"""Forgot password ("Quên mật khẩu"): ID number and the account's phone -> OTP -> new password.

The flow must not tell who has an account. So every path after the phone step looks the
same: the same reply ("if an account matches, we have sent a code"), the same OTP step
with the same resend rules, and codes that are simply "wrong" when nothing was sent
(`send_otp(deliver=False)`, `check_code(genuine=False)`). Every request counts against
its caller and against the (identity, phone) pair it names; only a code that really goes
counts against the phone, so typing someone's number with made-up ID numbers cannot use
up the owner's codes (the phone's limits are still looked at, so both read alike).
Accounts registered with a SIM or USB
signature and no phone cannot match; the advice for them (sign in with the signature,
or visit a service counter) is part of the one reply everybody gets, rather than a
reply of its own that would reveal such an account exists.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind
from bot.dialogs.common import (
    FORGOT_PASSWORD_ENTRY,
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
    OTP_PHONE,
    OTP_STATE,
    PASSWORD_HASH,
    CommonStep,
    check_code,
    notify_by_sms,
    otp_step,
    password_steps,
    send_otp,
)
from bot.dialogs.limits import (
    DAY,
    HOUR,
    LOCAL_ZONE,
    Limit,
    caller_key,
    give_back,
    local_moment,
    seconds_blocked,
    spend,
    spend_all,
    subject_key,
)
from bot.dialogs.spec import STAY, Choice, Dialog, Method, Outcome, Step, StepContext
from bot.i18n import msg
from bot.validation import mask_id, mask_phone, parse_citizen_id, parse_phone, parse_tax_code

log = logging.getLogger("regbot.forgot")

PER_CALLER: Final = Limit("forgot.caller", allowed=5, window_seconds=HOUR)
PER_ACCOUNT: Final = Limit("forgot.account", allowed=3, window_seconds=HOUR)  # identity + phone
PER_PHONE: Final = Limit("forgot.phone", allowed=10, window_seconds=DAY)  # codes really sent
ACCOUNT_ID: Final = "account_id"  # set only when an account matched; never shown


class S(StrEnum):
    KIND = FORGOT_PASSWORD_ENTRY
    ID_NUMBER = "forgot.id_number"
    TAX_CODE = "forgot.tax_code"
    PHONE = "forgot.phone"
    OTP = "forgot.otp"
    STOPPED = "forgot.stopped"
    DONE = "forgot.done"


def _choose(kind: AccountKind) -> Any:
    async def act(ctx: StepContext, _: Any) -> Outcome:
        if ctx.data.get("account_kind", AccountKind.CITIZEN.value) != kind.value:
            # a CCCD typed for a registration is not a tax code: never offer it as one
            ctx.data.pop("id_number", None)
        ctx.data["account_kind"] = kind.value
        return Outcome(kind.value)

    return act


def _citizen_id(text: str, ctx: StepContext) -> str:
    return parse_citizen_id(text).number


def _request_limits(ctx: StepContext) -> tuple[tuple[Limit, str], ...]:
    d = ctx.data
    account = f"{d['account_kind']}:{d['id_number']}:{d['phone']}"
    return (
        (PER_CALLER, caller_key(ctx, PER_CALLER)),
        (PER_ACCOUNT, subject_key(ctx, PER_ACCOUNT, "forgot", account)),
    )


def _stopped(ctx: StepContext, wait: int) -> Outcome:
    return Outcome("stopped", msg("forgot.too_many", until=local_moment(ctx.now, wait)))


async def _spend_request(ctx: StepContext) -> tuple[tuple[str, ...], int]:
    """Count a request (caller, identity + phone) and, when a code will really go, the
    phone's daily budget; a request that matches nothing only looks at that budget, so
    the reply is the same. Returns what was spent, and the wait when refused."""
    attempt = await spend_all(ctx, _request_limits(ctx))
    if attempt.wait:
        return (), attempt.wait
    phone_key = subject_key(ctx, PER_PHONE, "phone", str(ctx.data["phone"]))
    if ctx.data.get(ACCOUNT_ID) is None:
        wait = await seconds_blocked(ctx, PER_PHONE, phone_key)
        return attempt.keys, wait
    wait = await spend(ctx, PER_PHONE, phone_key)
    return (*attempt.keys, phone_key), wait


async def _issue(ctx: StepContext, *, resend: bool = False) -> Outcome:
    """A code goes out only to a matching account's phone; otherwise one is made and
    dropped, so that the dialog (resend timing, tries) behaves the same. The SMS leaves
    after the turn: waiting for the gateway, or failing with it, would tell the two apart
    (the person can resend in a minute)."""
    phone = str(ctx.data["phone"])
    if ctx.data.get(ACCOUNT_ID) is not None:
        return await send_otp(ctx, phone, sms_key="forgot.sms", resend=resend, background=True)
    return await send_otp(ctx, phone, deliver=False, resend=resend)


async def _request_code(ctx: StepContext, _: Any) -> Outcome:
    d = ctx.data
    account = await ctx.services.accounts.find(AccountKind(d["account_kind"]), d["id_number"])
    # only accounts with a password: a SIM or USB account signs in with its signature, and a
    # code to its phone must not give it a password (a level 3 account made weaker)
    matched = (
        account is not None
        and account.password_hash is not None
        and account.phone is not None
        and account.phone == d["phone"]
    )
    d[ACCOUNT_ID] = account.id if matched and account is not None else None
    _, wait = await _spend_request(ctx)
    if wait:
        return _stopped(ctx, wait)
    d.pop(OTP_STATE, None)  # a new request starts a new code
    await _issue(ctx)
    return Outcome(notice=msg("forgot.code_maybe_sent", phone=mask_phone(str(d["phone"]))))


async def _resend(ctx: StepContext, _: Any) -> Outcome:
    spent, wait = await _spend_request(ctx)
    if wait:
        return Outcome(STAY, _stopped(ctx, wait).notice)
    outcome = await _issue(ctx, resend=True)
    if outcome.trigger == STAY:  # too soon, or no more resends: nothing was issued
        await give_back(ctx, spent)
        return outcome
    return Outcome(STAY, msg("forgot.code_maybe_sent", phone=mask_phone(str(ctx.data[OTP_PHONE]))))


async def _check(ctx: StepContext, code: Any) -> Outcome:
    return await check_code(ctx, code, genuine=ctx.data.get(ACCOUNT_ID) is not None)


async def _set_password(ctx: StepContext, _: Any) -> Outcome:
    account_id = ctx.data.get(ACCOUNT_ID)
    if account_id is None:  # unreachable: codes never verify without an account
        return Outcome("stopped", msg("forgot.code_maybe_sent", phone=""))
    await ctx.services.accounts.set_password(int(account_id), str(ctx.data[PASSWORD_HASH]))
    # the account's phone hears of it, whoever reset it (no code, no password in it)
    at = ctx.now.astimezone(LOCAL_ZONE).strftime("%H:%M %d/%m/%Y")
    notify_by_sms(ctx, str(ctx.data["phone"]), msg("forgot.reset_sms", at=at), "a reset notice")
    return Outcome()


STEPS = (
    Step(
        S.KIND,
        msg("forgot.kind_prompt"),
        msg("forgot.kind_help"),
        choices=(
            Choice("citizen", msg("forgot.kind_citizen"), act=_choose(AccountKind.CITIZEN)),
            Choice("business", msg("forgot.kind_business"), act=_choose(AccountKind.BUSINESS)),
            OTHER_WAYS_CHOICE,
            HOME_CHOICE,
        ),
        next={
            "citizen": S.ID_NUMBER,
            "business": S.TAX_CODE,
            "other_ways": CommonStep.OTHER_WAYS,
            "home": "start.who",
        },
    ),
    Step(
        S.ID_NUMBER,
        msg("forgot.id_number_prompt"),
        msg("forgot.id_number_help"),
        parse=_citizen_id,
        field="id_number",
        show_value=mask_id,
        next={"ok": S.PHONE},
    ),
    Step(
        S.TAX_CODE,
        msg("forgot.tax_code_prompt"),
        msg("forgot.tax_code_help"),
        parse=lambda text, ctx: parse_tax_code(text),
        field="id_number",
        show_value=mask_id,
        next={"ok": S.PHONE},
    ),
    Step(
        S.PHONE,
        msg("forgot.phone_prompt"),
        msg("forgot.phone_help"),
        parse=lambda text, ctx: parse_phone(text),
        act=_request_code,
        field="phone",
        show_value=mask_phone,
        next={"ok": S.OTP, "stopped": S.STOPPED},
    ),
    otp_step(
        S.OTP,
        next_ok="forgot.password",
        prompt_key="forgot.otp_prompt",
        resend=_resend,
        check=_check,
    ),
    *password_steps("forgot", _set_password, {"ok": S.DONE, "stopped": S.STOPPED}),
    Step(
        S.STOPPED,
        msg("forgot.stopped_prompt"),
        msg("forgot.stopped_help"),
        choices=(OTHER_WAYS_CHOICE, HOME_CHOICE),
        next={"other_ways": CommonStep.OTHER_WAYS, "home": "start.who"},
    ),
    Step(S.DONE, msg("forgot.done"), msg("forgot.done"), end=True),
)

DIALOG = Dialog(
    name="forgot",
    steps=STEPS,
    methods=(Method("forgot", msg("common.choice_forgot_password"), kinds=(), entry=S.KIND),),
)
