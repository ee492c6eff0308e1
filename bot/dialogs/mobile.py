"""Registration by mobile subscriber (guide §1.1): citizens only, level 2.

Name, date of birth, CCCD/CMND, phone, optional email -> summary -> the carrier confirms
the number is registered to this person -> no account yet -> OTP -> password twice.

The carrier check must not tell a stranger who owns a phone: an unknown number, a number
not registered to its owner and details that differ get one reply, and every check spends
a try first - per caller, per phone and per ID number - given back when the details match.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from bot.accounts.evidence import Matched, Register, RegisterCheck
from bot.accounts.model import AccountKind, RegistrationMethod
from bot.accounts.port import Accounts
from bot.dialogs.codes import OtpCodes
from bot.dialogs.common import (
    AWAY,
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
    CommonStep,
    Registrations,
    duplicate,
    level_2_account,
    optional_email,
    own,
    own_date,
    show_date,
)
from bot.dialogs.draft import Checked, PersonDraft
from bot.dialogs.exits import Exit
from bot.dialogs.fields import (
    birth_date_step,
    edit_menu_step,
    full_name_step,
    optional_email_step,
    use_own_phone_choice,
)
from bot.dialogs.limits import HOUR, Limit, Limits, caller, local_time
from bot.dialogs.password_step import password_steps
from bot.dialogs.ports import PasswordHashing
from bot.engine.spec import Choice, Dialog, Invalid, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, PersonalKind, msg
from bot.validation import names_match, parse_birth_date, parse_citizen_id, parse_phone
from integrations.carrier import CarrierRegister, Subscriber

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
    EDIT = "mobile.edit"  # "Sửa thông tin": which field, then back to the summary
    EDIT_FULL_NAME = "mobile.edit_full_name"
    EDIT_BIRTH_DATE = "mobile.edit_birth_date"
    EDIT_ID_NUMBER = "mobile.edit_id_number"
    EDIT_PHONE = "mobile.edit_phone"
    EDIT_EMAIL = "mobile.edit_email"
    NOT_VERIFIED = "mobile.not_verified"
    OTP = "mobile.otp"
    PASSWORD = "mobile.password"
    PASSWORD_CONFIRM = "mobile.password_confirm"
    PASSWORD_STOPPED = "mobile.password_stopped"
    DONE = "mobile.done"


def _id_number(text: str, ctx: StepContext) -> str:
    return parse_citizen_id(text, ctx.draft.person.birth_date).number


def _id_still_fits(ctx: StepContext) -> Outcome | None:
    """A CCCD kept from before must still fit a changed birth date: if not, it is
    cleared and asked again, with the reason."""
    person = ctx.draft.person
    if person.id_number:
        try:
            parse_citizen_id(person.id_number, person.birth_date)
        except Invalid as refused:
            person.id_number = None
            return Outcome(Exit.RETYPE_ID, refused.message)
    return None


@act(Exit.OK)
async def _birth_date_changed(ctx: StepContext, _: Any) -> Outcome:
    """Coming back with "back": the next step asks the ID number anyway."""
    refused = _id_still_fits(ctx)
    return Outcome(notice=refused.notice) if refused else Outcome()


@act(Exit.OK, Exit.RETYPE_ID)
async def _birth_date_edited(ctx: StepContext, _: Any) -> Outcome:
    """From the edit menu: back to the summary, or to the ID number that no longer fits."""
    return _id_still_fits(ctx) or Outcome()


@act(Exit.OK)
async def _id_note(ctx: StepContext, number: Any) -> Outcome:
    """An accepted number may carry a note (e.g. a province code outside the list)."""
    return Outcome(notice=parse_citizen_id(str(number)).note)


@act(Exit.OK)
async def _keep_phone(ctx: StepContext, phone: str) -> Outcome:
    ctx.draft.person.phone = phone
    return Outcome()


def _summary(ctx: StepContext) -> Msg:
    """Everything typed, in full to the person (a typo must be visible after "does not
    match the carrier's record"), masked in transcripts and the agents' view."""
    person = ctx.draft.person
    return msg(
        "mobile.summary",
        name=own(person.full_name, PersonalKind.NAME),
        birth_date=own_date(person.birth_date),
        id_type=msg(f"id_type.{person.id_type}"),
        id_number=own(person.id_number, PersonalKind.ID),
        phone=own(person.phone, PersonalKind.PHONE),
        email=optional_email(ctx.draft),
    )


def _id_number_step(name: S, next_step: S) -> Step:
    return Step(
        name,
        msg("mobile.id_number_prompt"),
        msg("mobile.id_number_help"),
        parse=_id_number,
        act=_id_note,
        field="id_number",
        show_value=lambda value: own(value, PersonalKind.ID),
        next={Exit.OK: next_step},
    )


def _phone_step(name: S, next_step: S) -> Step:
    return Step(
        name,
        msg("mobile.phone_prompt"),
        msg("mobile.phone_help"),
        choices=(use_own_phone_choice(_keep_phone, Exit.OK),),
        parse=lambda text, ctx: parse_phone(text),
        field="phone",
        show_value=lambda value: own(value, PersonalKind.PHONE),
        next={Exit.OK: next_step},
        phone=True,
    )


def _edit_steps() -> tuple[Step, ...]:
    """ "Sửa thông tin": which field, that field alone, then the summary again."""
    return (
        edit_menu_step(
            S.EDIT,
            (
                (Exit.FULL_NAME, msg("common.field_full_name"), S.EDIT_FULL_NAME),
                (Exit.BIRTH_DATE, msg("common.field_birth_date"), S.EDIT_BIRTH_DATE),
                (Exit.ID_NUMBER, msg("common.field_id_number"), S.EDIT_ID_NUMBER),
                (Exit.PHONE, msg("common.field_phone"), S.EDIT_PHONE),
                (Exit.EMAIL, msg("common.field_email"), S.EDIT_EMAIL),
            ),
            msg("mobile.edit_help"),
            S.SUMMARY,
        ),
        full_name_step(
            S.EDIT_FULL_NAME,
            msg("common.edit_full_name_prompt"),
            msg("mobile.full_name_help"),
            S.SUMMARY,
        ),
        Step(
            S.EDIT_BIRTH_DATE,
            msg("mobile.birth_date_prompt"),
            msg("mobile.birth_date_help"),
            parse=lambda text, ctx: parse_birth_date(text, ctx.now.date()),
            act=_birth_date_edited,
            field="birth_date",
            show_value=show_date,
            next={Exit.OK: S.SUMMARY, Exit.RETYPE_ID: S.EDIT_ID_NUMBER},
        ),
        _id_number_step(S.EDIT_ID_NUMBER, S.SUMMARY),
        _phone_step(S.EDIT_PHONE, S.SUMMARY),
        optional_email_step(
            S.EDIT_EMAIL, msg("mobile.email_prompt"), msg("mobile.email_help"), S.SUMMARY
        ),
    )


def _owned_by_typist(subscriber: Subscriber, typed: PersonDraft) -> bool:
    """The number is registered to its owner, and the owner is who the person says."""
    owner = subscriber.owner
    return (
        subscriber.owner_registered
        and owner is not None
        and owner.id_number == typed.id_number
        and owner.date_of_birth == typed.birth_date
        and names_match(owner.full_name, typed.full_name or "")
    )


class Mobile:
    """The dialog, given the ports it uses."""

    def __init__(
        self,
        carrier: CarrierRegister,
        accounts: Accounts,
        limits: Limits,
        codes: OtpCodes,
        hashing: PasswordHashing,
        registrations: Registrations,
    ) -> None:
        self._carrier = carrier
        self._accounts = accounts
        self._limits = limits
        self._codes = codes
        self._hashing = hashing
        self._registrations = registrations

    @act(Exit.OK, Exit.NOT_VERIFIED, Exit.DUPLICATE)
    async def verify_subscriber(self, ctx: StepContext, _: Any) -> Outcome:
        """The carrier confirms the number is registered to this person; no account yet."""
        person = ctx.draft.person
        assert person.phone and person.id_number and person.birth_date and person.full_name
        ctx.draft.evidence.register = None  # only the answer about these very details counts
        attempt = await self._limits.spend_all(  # before the lookup: parallel guesses too
            (
                (PER_CALLER, caller(ctx.channel, ctx.user_id)),
                (PER_PHONE, ("phone", person.phone)),
                (PER_ID, ("citizen", person.id_number)),
            )
        )
        if attempt.wait:
            until = local_time(ctx.now, attempt.wait)
            return Outcome(Exit.NOT_VERIFIED, msg("mobile.subscriber_locked", until=until))
        try:
            subscriber = await self._carrier.lookup(person.phone)
        except BaseException:
            await self._limits.give_back(attempt.keys)  # no answer: the try was not made
            raise
        if subscriber is None or not _owned_by_typist(subscriber, person):
            # unknown, not registered to its owner, or another owner: one reply
            notice = msg("mobile.subscriber_not_verified", tries=attempt.left)
            return Outcome(Exit.NOT_VERIFIED, notice)
        await self._limits.give_back(attempt.keys)  # the owner's details: not a guess
        ctx.draft.evidence.register = RegisterCheck(
            Register.CARRIER,
            answered_by=subscriber.carrier,
            read_at=ctx.now,
            matched=(Matched.ID_NUMBER, Matched.DATE_OF_BIRTH, Matched.FULL_NAME),
        )
        if await self._accounts.exists(AccountKind.CITIZEN, person.id_number):
            return duplicate(ctx, Checked.TYPED_ID)
        return await self._codes.send(ctx, person.phone)

    @act(Exit.OK, Exit.DUPLICATE)
    async def create_account(self, ctx: StepContext, _: Any) -> Outcome:
        full_name = ctx.draft.person.full_name or ""
        return await self._registrations.create(
            ctx, level_2_account(ctx.draft, RegistrationMethod.MOBILE, full_name)
        )

    def dialog(self) -> Dialog:
        return Dialog(
            name=RegistrationMethod.MOBILE,
            steps=self.steps(),
            methods=(
                Method(
                    RegistrationMethod.MOBILE,
                    msg("method.mobile"),
                    kinds=(AccountKind.CITIZEN,),
                    entry=S.FULL_NAME,
                ),
            ),
        )

    def steps(self) -> tuple[Step, ...]:
        return (
            full_name_step(
                S.FULL_NAME,
                msg("mobile.full_name_prompt"),
                msg("mobile.full_name_help"),
                S.BIRTH_DATE,
            ),
            birth_date_step(
                S.BIRTH_DATE,
                msg("mobile.birth_date_prompt"),
                msg("mobile.birth_date_help"),
                S.ID_NUMBER,
                act=_birth_date_changed,
            ),
            _id_number_step(S.ID_NUMBER, S.PHONE),
            _phone_step(S.PHONE, S.EMAIL),
            optional_email_step(
                S.EMAIL, msg("mobile.email_prompt"), msg("mobile.email_help"), S.SUMMARY
            ),
            Step(
                S.SUMMARY,
                _summary,
                msg("mobile.summary_help"),
                choices=(
                    Choice(Exit.CONFIRM, msg("common.choice_confirm"), act=self.verify_subscriber),
                    Choice(Exit.EDIT, msg("common.choice_edit")),
                ),
                next={
                    Exit.OK: S.OTP,
                    Exit.EDIT: S.EDIT,
                    Exit.NOT_VERIFIED: S.NOT_VERIFIED,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                },
            ),
            *_edit_steps(),
            Step(
                S.NOT_VERIFIED,
                msg("mobile.not_verified_prompt"),
                msg("mobile.not_verified_help"),
                choices=(
                    Choice(Exit.EDIT, msg("common.choice_edit")),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={Exit.EDIT: S.EDIT, **AWAY},
            ),
            self._codes.step(S.OTP, next_ok=S.PASSWORD),
            *password_steps(
                (S.PASSWORD, S.PASSWORD_CONFIRM, S.PASSWORD_STOPPED),
                self._hashing,
                self.create_account,
                {Exit.OK: S.DONE, Exit.DUPLICATE: CommonStep.DUPLICATE},
            ),
            Step(
                S.DONE,
                lambda ctx: msg(
                    "mobile.done",
                    id_type=msg(f"login_id.{ctx.draft.person.id_type}"),  # CCCD, or an old CMND
                    id_number=own(ctx.draft.person.id_number, PersonalKind.ID),
                ),
                msg("mobile.done_help"),
                end=True,
            ),
        )
