"""Registration by mobile subscriber (guide §1.1): citizens only, level 2.

Name, date of birth, CCCD/CMND, phone, optional email -> summary -> the carrier confirms
the number is registered to this person -> no account yet -> OTP -> password twice.

The carrier check must not tell a stranger who owns a phone: an unknown number, a number
not registered to its owner and details that differ get one reply, and every check spends
a try first - per caller, per phone and per ID number - given back when the details match.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind
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
from bot.dialogs.fields import (
    birth_date_step,
    full_name_step,
    optional_email_step,
    use_caller_choice,
)
from bot.dialogs.limits import (
    HOUR,
    Limit,
    caller_key,
    give_back,
    local_time,
    spend_all,
    subject_key,
)
from bot.dialogs.spec import Choice, Dialog, Invalid, Method, Outcome, Step, StepContext
from bot.i18n import Msg, msg
from bot.validation import (
    mask_id,
    mask_phone,
    names_match,
    parse_citizen_id,
    parse_phone,
)
from integrations.carrier import Subscriber

PER_CALLER: Final = Limit("carrier.caller", allowed=3, window_seconds=HOUR)
PER_PHONE: Final = Limit("carrier.phone", allowed=10, window_seconds=HOUR)
PER_ID: Final = Limit("carrier.id", allowed=10, window_seconds=HOUR)


class S(StrEnum):
    FULL_NAME = "mobile.full_name"
    BIRTH_DATE = "mobile.birth_date"
    ID_NUMBER = "mobile.id_number"
    PHONE = "mobile.phone"
    EMAIL = "mobile.email"
    SUMMARY = "mobile.summary"
    NOT_VERIFIED = "mobile.not_verified"
    OTP = "mobile.otp"
    DONE = "mobile.done"


def _id_number(text: str, ctx: StepContext) -> str:
    parsed = parse_citizen_id(text, date.fromisoformat(ctx.data["birth_date"]))
    ctx.data["id_type"] = parsed.id_type.value
    ctx.data["id_note"] = parsed.note.key if parsed.note else None
    return parsed.number


async def _birth_date_changed(ctx: StepContext, _: Any) -> Outcome:
    """A CCCD kept from before must still fit the birth date (coming back with "back")."""
    number = ctx.data.get("id_number")
    if number:
        try:
            parse_citizen_id(number, date.fromisoformat(ctx.data["birth_date"]))
        except Invalid as refused:
            ctx.data.pop("id_number")  # asked again at the next step, with the reason
            return Outcome(notice=refused.message)
    return Outcome()


async def _id_note(ctx: StepContext, _: Any) -> Outcome:
    """An accepted number may carry a note (e.g. a province code outside the list)."""
    note = ctx.data.pop("id_note", None)
    return Outcome(notice=msg(note) if note else None)


def _summary(ctx: StepContext) -> Msg:
    d = ctx.data
    return msg(
        "mobile.summary",
        name=d["full_name"],
        birth_date=show_date(d["birth_date"]),
        id_type=d.get("id_type", "CCCD"),
        id_number=mask_id(d["id_number"]),
        phone=mask_phone(d["phone"]),
        email=optional_email(d),
    )


async def _keep_phone(ctx: StepContext, phone: str) -> Outcome:
    ctx.data["phone"] = phone
    return Outcome()


def _owned_by_typist(subscriber: Subscriber | None, d: dict[str, Any]) -> bool:
    """The number is registered to its owner, and the owner is who the person says."""
    owner = subscriber.owner if subscriber is not None else None
    return (
        subscriber is not None
        and subscriber.owner_registered
        and owner is not None
        and owner.id_number == d["id_number"]
        and owner.date_of_birth.isoformat() == d["birth_date"]
        and names_match(owner.full_name, d["full_name"])
    )


async def _verify_subscriber(ctx: StepContext, _: Any) -> Outcome:
    """The carrier confirms the number is registered to this person; no account yet."""
    d = ctx.data
    attempt = await spend_all(  # before the lookup: parallel guesses are counted too
        ctx,
        (
            (PER_CALLER, caller_key(ctx, PER_CALLER)),
            (PER_PHONE, subject_key(ctx, PER_PHONE, "phone", d["phone"])),
            (PER_ID, subject_key(ctx, PER_ID, "citizen", d["id_number"])),
        ),
    )
    if attempt.wait:
        until = local_time(ctx.now, attempt.wait)
        return Outcome("not_verified", msg("mobile.subscriber_locked", until=until))
    try:
        subscriber = await ctx.services.carrier.lookup(d["phone"])
    except BaseException:
        await give_back(ctx, attempt.keys)  # no answer: the try was not made
        raise
    if not _owned_by_typist(subscriber, d):
        # unknown, not registered to its owner, or another owner: one reply
        return Outcome("not_verified", msg("mobile.subscriber_not_verified", tries=attempt.left))
    await give_back(ctx, attempt.keys)  # the owner's details: not a guess
    if await ctx.services.accounts.exists(AccountKind.CITIZEN, d["id_number"]):
        return Outcome("duplicate")
    return await send_otp(ctx, d["phone"])


async def _create_account(ctx: StepContext, _: Any) -> Outcome:
    return await create_account(ctx, level_2_account(ctx, "mobile", ctx.data["full_name"]))


STEPS = (
    full_name_step(
        S.FULL_NAME, msg("mobile.full_name_prompt"), msg("mobile.full_name_help"), S.BIRTH_DATE
    ),
    birth_date_step(
        S.BIRTH_DATE,
        msg("mobile.birth_date_prompt"),
        msg("mobile.birth_date_help"),
        S.ID_NUMBER,
        act=_birth_date_changed,
    ),
    Step(
        S.ID_NUMBER,
        msg("mobile.id_number_prompt"),
        msg("mobile.id_number_help"),
        parse=_id_number,
        act=_id_note,
        field="id_number",
        show_value=mask_id,
        next={"ok": S.PHONE},
    ),
    Step(
        S.PHONE,
        msg("mobile.phone_prompt"),
        msg("mobile.phone_help"),
        choices=use_caller_choice(_keep_phone),
        parse=lambda text, ctx: parse_phone(text),
        field="phone",
        show_value=mask_phone,
        next={"ok": S.EMAIL},
    ),
    optional_email_step(S.EMAIL, msg("mobile.email_prompt"), msg("mobile.email_help"), S.SUMMARY),
    Step(
        S.SUMMARY,
        _summary,
        msg("mobile.summary_help"),
        choices=(
            Choice("confirm", msg("common.choice_confirm"), act=_verify_subscriber),
            Choice("edit", msg("common.choice_edit")),
        ),
        next={
            "ok": S.OTP,
            "edit": S.FULL_NAME,
            "not_verified": S.NOT_VERIFIED,
            "duplicate": CommonStep.DUPLICATE,
        },
    ),
    Step(
        S.NOT_VERIFIED,
        msg("mobile.not_verified_prompt"),
        msg("mobile.not_verified_help"),
        choices=(Choice("edit", msg("common.choice_edit")), OTHER_WAYS_CHOICE, HOME_CHOICE),
        next={"edit": S.FULL_NAME, "other_ways": CommonStep.OTHER_WAYS, "home": "start.who"},
    ),
    otp_step(S.OTP, next_ok="mobile.password"),
    *password_steps("mobile", _create_account, {"ok": S.DONE, "duplicate": CommonStep.DUPLICATE}),
    Step(
        S.DONE,
        lambda ctx: msg("mobile.done", id_number=mask_id(ctx.data["id_number"])),
        msg("mobile.done"),
        end=True,
    ),
)

DIALOG = Dialog(
    name="mobile",
    steps=STEPS,
    methods=(Method("mobile", msg("method.mobile"), kinds=("citizen",), entry=S.FULL_NAME),),
)
