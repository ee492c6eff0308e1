"""Registration by social-insurance (BHXH) code (guide §1.2): citizens only, level 2.

BHXH code, name, date of birth, optional email -> summary -> the BHXH register holds the
code and the name and birth date match -> no account for the CCCD/CMND on the record ->
OTP to the phone on the record -> password twice. The person never types the ID number.

The flow must not help anyone guess someone else's details: an unknown code and details
that do not match get one reply, which names no field; every lookup spends a try first
(per caller, and per code from all callers), given back when the details match. One
stranger runs out of tries long before the code locks for its owner; many strangers
together lock the code for an hour.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind, IdType
from bot.dialogs.common import (
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
    CommonStep,
    create_account,
    level_2_account,
    optional_email,
    otp_step,
    password_steps,
    send_otp,
    show_date,
)
from bot.dialogs.fields import birth_date_step, full_name_step, optional_email_step
from bot.dialogs.limits import (
    HOUR,
    Limit,
    caller_key,
    give_back,
    local_time,
    seconds_blocked,
    spend_all,
    subject_key,
)
from bot.dialogs.spec import Choice, Dialog, Method, Outcome, Step, StepContext
from bot.i18n import Msg, msg
from bot.validation import (
    mask_id,
    mask_phone,
    names_match,
    parse_bhxh_code,
)
from integrations.insured import InsuredPerson

PER_CALLER: Final = Limit("bhxh.caller", allowed=3, window_seconds=HOUR)
PER_CODE: Final = Limit("bhxh.code", allowed=10, window_seconds=HOUR)
MOBILE_ENTRY: Final = "mobile.full_name"


class S(StrEnum):
    CODE = "bhxh.code"
    FULL_NAME = "bhxh.full_name"
    BIRTH_DATE = "bhxh.birth_date"
    EMAIL = "bhxh.email"
    SUMMARY = "bhxh.summary"
    NOT_VERIFIED = "bhxh.not_verified"
    NO_PHONE = "bhxh.no_phone"
    OTP = "bhxh.otp"
    DONE = "bhxh.done"


def _limits(ctx: StepContext) -> tuple[tuple[Limit, str], ...]:
    code = str(ctx.data["bhxh_code"])
    return (
        (PER_CALLER, caller_key(ctx, PER_CALLER)),
        (PER_CODE, subject_key(ctx, PER_CODE, "bhxh", code)),
    )


def _locked(ctx: StepContext, wait: int) -> Outcome:
    return Outcome("not_verified", msg("bhxh.locked", until=local_time(ctx.now, wait)))


async def _check_lock(ctx: StepContext, _: Any) -> Outcome:
    """Said as soon as the code is typed, so nobody fills in the rest for nothing."""
    for limit, key in _limits(ctx):
        if wait := await seconds_blocked(ctx, limit, key):
            return _locked(ctx, wait)
    return Outcome()


def _matches(person: InsuredPerson, data: dict[str, Any]) -> bool:
    """The typed name (without case or diacritics) and birth date are the record's."""
    return (
        names_match(person.full_name, str(data["full_name"]))
        and person.date_of_birth.isoformat() == data["birth_date"]
    )


async def _verify(ctx: StepContext, _: Any) -> Outcome:
    """Guide step 3: the BHXH register's record must match; then the duplicate check."""
    insured = ctx.services.insured
    if insured is None:  # the method is not wired in this deployment
        return Outcome("not_verified", msg("bhxh.unavailable"))
    d = ctx.data
    for taken_from_a_record in ("id_number", "id_type", "record_name", "phone"):
        # an earlier match (then "Sửa", another code) must not lend its ID and phone to
        # this person, nor to the mobile dialog offered when this record has no phone
        d.pop(taken_from_a_record, None)
    attempt = await spend_all(ctx, _limits(ctx))  # before the lookup: parallel tries too
    if attempt.wait:
        return _locked(ctx, attempt.wait)
    try:
        person = await insured.lookup(str(d["bhxh_code"]))
    except BaseException:
        await give_back(ctx, attempt.keys)  # no answer: the try was not made
        raise
    if person is None or not _matches(person, d):
        # unknown code or details that differ: one reply, no field named
        return Outcome("not_verified", msg("bhxh.not_matched", tries=attempt.left))
    await give_back(ctx, attempt.keys)  # the owner's details: not a guess
    if await ctx.services.accounts.exists(AccountKind.CITIZEN, person.id_number):
        return Outcome("duplicate")
    if person.phone is None:
        return Outcome("no_phone")
    d["id_number"] = person.id_number
    d["id_type"] = (IdType.CCCD if len(person.id_number) == 12 else IdType.CMND).value
    d["record_name"] = person.full_name  # the register's spelling, with diacritics
    d["phone"] = person.phone
    return await send_otp(ctx, person.phone)


async def _create_account(ctx: StepContext, _: Any) -> Outcome:
    name = ctx.data.get("record_name") or ctx.data["full_name"]  # the register's spelling
    return await create_account(ctx, level_2_account(ctx, "bhxh", name))


def _summary(ctx: StepContext) -> Msg:
    d = ctx.data
    return msg(
        "bhxh.summary",
        bhxh_code=d["bhxh_code"],
        name=d["full_name"],
        birth_date=show_date(d["birth_date"]),
        email=optional_email(d),
    )


OTHER_METHOD_CHOICE: Final = Choice("other_method", msg("bhxh.choice_other_method"))
FAILURE_NEXT: Final = {
    "edit": S.CODE,
    "other_method": "start.methods_citizen",
    "other_ways": CommonStep.OTHER_WAYS,
    "home": "start.who",
}

STEPS = (
    Step(
        S.CODE,
        msg("bhxh.code_prompt"),
        msg("bhxh.code_help"),
        parse=lambda text, ctx: parse_bhxh_code(text),
        act=_check_lock,
        field="bhxh_code",
        next={"ok": S.FULL_NAME, "not_verified": S.NOT_VERIFIED},
    ),
    full_name_step(
        S.FULL_NAME, msg("bhxh.full_name_prompt"), msg("bhxh.full_name_help"), S.BIRTH_DATE
    ),
    birth_date_step(
        S.BIRTH_DATE, msg("bhxh.birth_date_prompt"), msg("bhxh.birth_date_help"), S.EMAIL
    ),
    optional_email_step(S.EMAIL, msg("bhxh.email_prompt"), msg("bhxh.email_help"), S.SUMMARY),
    Step(
        S.SUMMARY,
        _summary,
        msg("bhxh.summary_help"),
        choices=(
            Choice("confirm", msg("common.choice_confirm"), act=_verify),
            Choice("edit", msg("common.choice_edit")),
        ),
        next={
            "ok": S.OTP,
            "edit": S.CODE,
            "not_verified": S.NOT_VERIFIED,
            "no_phone": S.NO_PHONE,
            "duplicate": CommonStep.DUPLICATE,
        },
    ),
    Step(
        S.NOT_VERIFIED,
        msg("bhxh.not_verified_prompt"),
        msg("bhxh.not_verified_help"),
        choices=(
            Choice("edit", msg("common.choice_edit")),
            OTHER_METHOD_CHOICE,
            OTHER_WAYS_CHOICE,
            HOME_CHOICE,
        ),
        next=FAILURE_NEXT,
    ),
    Step(
        S.NO_PHONE,
        msg("bhxh.no_phone"),
        msg("bhxh.no_phone_help"),
        choices=(
            Choice("mobile", msg("bhxh.choice_mobile")),
            OTHER_WAYS_CHOICE,
            HOME_CHOICE,
        ),
        next={"mobile": MOBILE_ENTRY, "other_ways": CommonStep.OTHER_WAYS, "home": "start.who"},
    ),
    otp_step(S.OTP, next_ok="bhxh.password"),
    *password_steps("bhxh", _create_account, {"ok": S.DONE, "duplicate": CommonStep.DUPLICATE}),
    Step(
        S.DONE,
        lambda ctx: msg(
            "bhxh.done",
            id_number=mask_id(ctx.data["id_number"]),
            phone=mask_phone(ctx.data["phone"]),
        ),
        msg("bhxh.done_help"),
        end=True,
    ),
)

DIALOG = Dialog(
    name="bhxh",
    steps=STEPS,
    methods=(Method("bhxh", msg("method.bhxh"), kinds=("citizen",), entry=S.CODE),),
)
