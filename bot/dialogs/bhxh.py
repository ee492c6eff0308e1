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
)
from bot.dialogs.draft import Checked, PersonDraft
from bot.dialogs.exits import Exit
from bot.dialogs.fields import (
    birth_date_step,
    edit_menu_step,
    full_name_step,
    optional_email_step,
)
from bot.dialogs.limits import HOUR, Limit, Limits, Subject, caller, local_time
from bot.dialogs.password_step import password_steps
from bot.dialogs.ports import PasswordHashing
from bot.engine.spec import Choice, Dialog, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, PersonalKind, msg
from bot.validation import names_match, parse_bhxh_code
from integrations.insured import InsuredPerson, InsuredRegister

PER_CALLER: Final = Limit("bhxh.caller", allowed=3, window_seconds=HOUR)
PER_CODE: Final = Limit("bhxh.code", allowed=10, window_seconds=HOUR)


class S(StrEnum):
    CODE = "bhxh.code"
    FULL_NAME = "bhxh.full_name"
    BIRTH_DATE = "bhxh.birth_date"
    EMAIL = "bhxh.email"
    SUMMARY = "bhxh.summary"
    EDIT = "bhxh.edit"  # "Sửa thông tin": which field, then back to the summary
    EDIT_CODE = "bhxh.edit_code"
    EDIT_FULL_NAME = "bhxh.edit_full_name"
    EDIT_BIRTH_DATE = "bhxh.edit_birth_date"
    EDIT_EMAIL = "bhxh.edit_email"
    NOT_VERIFIED = "bhxh.not_verified"
    NO_PHONE = "bhxh.no_phone"
    OTP = "bhxh.otp"
    PASSWORD = "bhxh.password"
    PASSWORD_CONFIRM = "bhxh.password_confirm"
    PASSWORD_STOPPED = "bhxh.password_stopped"
    DONE = "bhxh.done"


class Elsewhere(StrEnum):
    """Steps of other dialogs this one leads to."""

    CITIZEN_METHODS = "start.methods_citizen"
    MOBILE = "mobile.full_name"


def _matches(person: InsuredPerson, typed: PersonDraft) -> bool:
    """The typed name (without case or diacritics) and birth date are the record's."""
    return names_match(person.full_name, typed.full_name or "") and (
        person.date_of_birth == typed.birth_date
    )


def _limits(ctx: StepContext) -> tuple[tuple[Limit, Subject], ...]:
    return (
        (PER_CALLER, caller(ctx.channel, ctx.user_id)),
        (PER_CODE, ("bhxh", ctx.draft.person.bhxh_code or "")),
    )


def _locked(ctx: StepContext, wait: int) -> Outcome:
    return Outcome(Exit.NOT_VERIFIED, msg("bhxh.locked", until=local_time(ctx.now, wait)))


@act(Exit.EDIT, Exit.BHXH_CODE)
async def _edit(ctx: StepContext, _: Any) -> Outcome:
    """ "Sửa thông tin" after a refusal. A code locked as soon as it was typed left the rest
    of the form unasked: back to the code and on through the form, never to a summary
    (and a "Xác nhận") with the required name and birth date empty."""
    person = ctx.draft.person
    return Outcome(Exit.EDIT if person.full_name and person.birth_date else Exit.BHXH_CODE)


def _summary(ctx: StepContext) -> Msg:
    """What the person typed, in full to them, masked for the record."""
    person = ctx.draft.person
    return msg(
        "bhxh.summary",
        bhxh_code=own(person.bhxh_code, PersonalKind.ID),
        name=own(person.full_name, PersonalKind.NAME),
        birth_date=own_date(person.birth_date),
        email=optional_email(ctx.draft),
    )


def _done(ctx: StepContext) -> Msg:
    """The account's own ID number and phone, now that the code sent there proved it."""
    person = ctx.draft.person
    return msg(
        "bhxh.done",
        id_type=msg(f"login_id.{person.id_type}"),  # the record's: a CCCD, or an old CMND
        id_number=own(person.id_number, PersonalKind.ID),
        phone=own(person.phone, PersonalKind.PHONE),
    )


class Bhxh:
    """The dialog, given the ports it uses."""

    def __init__(
        self,
        insured: InsuredRegister,
        accounts: Accounts,
        limits: Limits,
        codes: OtpCodes,
        hashing: PasswordHashing,
        registrations: Registrations,
    ) -> None:
        self._insured = insured
        self._accounts = accounts
        self._limits = limits
        self._codes = codes
        self._hashing = hashing
        self._registrations = registrations

    @act(Exit.OK, Exit.NOT_VERIFIED)
    async def check_lock(self, ctx: StepContext, _: Any) -> Outcome:
        """Said as soon as the code is typed, so nobody fills in the rest for nothing."""
        for limit, (kind, value) in _limits(ctx):
            if wait := await self._limits.blocked(limit, kind, value):
                return _locked(ctx, wait)
        return Outcome()

    @act(Exit.OK, Exit.NOT_VERIFIED, Exit.DUPLICATE, Exit.NO_PHONE)
    async def verify(self, ctx: StepContext, _: Any) -> Outcome:
        """Guide step 3: the BHXH register's record must match; then the duplicate check."""
        person = ctx.draft.person
        # an earlier match (then "Sửa", another code) must not lend its ID and phone to
        # this person, nor to the mobile dialog offered when this record has no phone
        person.id_number = person.record_name = person.phone = None
        ctx.draft.evidence.register = None
        attempt = await self._limits.spend_all(_limits(ctx))  # before the lookup
        if attempt.wait:
            return _locked(ctx, attempt.wait)
        try:
            record = await self._insured.lookup(person.bhxh_code or "")
        except BaseException:
            await self._limits.give_back(attempt.keys)  # no answer: the try was not made
            raise
        if record is None or not _matches(record, person):
            # an unknown code or details that differ: one reply, naming no field
            return Outcome(Exit.NOT_VERIFIED, msg("bhxh.not_matched", tries=attempt.left))
        await self._limits.give_back(attempt.keys)  # the owner's details: not a guess
        ctx.draft.evidence.register = RegisterCheck(
            Register.BHXH,
            answered_by="BHXH",
            read_at=ctx.now,
            matched=(Matched.FULL_NAME, Matched.DATE_OF_BIRTH),
            reference=record.bhxh_code,
        )
        if await self._accounts.exists(AccountKind.CITIZEN, record.id_number):
            return duplicate(ctx, Checked.BHXH_RECORD)
        if record.phone is None:
            return Outcome(Exit.NO_PHONE)
        person.id_number = record.id_number
        person.record_name = record.full_name  # the register's spelling, with diacritics
        person.phone = record.phone
        return await self._codes.send(ctx, record.phone)

    @act(Exit.OK, Exit.DUPLICATE)
    async def create_account(self, ctx: StepContext, _: Any) -> Outcome:
        person = ctx.draft.person
        name = person.record_name or person.full_name or ""  # the register's spelling
        return await self._registrations.create(
            ctx, level_2_account(ctx.draft, RegistrationMethod.BHXH, name)
        )

    def dialog(self) -> Dialog:
        return Dialog(
            name=RegistrationMethod.BHXH,
            steps=self.steps(),
            methods=(
                Method(
                    RegistrationMethod.BHXH,
                    msg("method.bhxh"),
                    kinds=(AccountKind.CITIZEN,),
                    entry=S.CODE,
                ),
            ),
        )

    def _code_step(self, name: S, prompt: Msg, next_step: S) -> Step:
        return Step(
            name,
            prompt,
            msg("bhxh.code_help"),
            parse=lambda text, ctx: parse_bhxh_code(text),
            act=self.check_lock,
            field="bhxh_code",
            next={Exit.OK: next_step, Exit.NOT_VERIFIED: S.NOT_VERIFIED},
        )

    def _edit_steps(self) -> tuple[Step, ...]:
        """ "Sửa thông tin": which field, that field alone, then the summary again."""
        return (
            edit_menu_step(
                S.EDIT,
                (
                    (Exit.BHXH_CODE, msg("bhxh.field_code"), S.EDIT_CODE),
                    (Exit.FULL_NAME, msg("common.field_full_name"), S.EDIT_FULL_NAME),
                    (Exit.BIRTH_DATE, msg("common.field_birth_date"), S.EDIT_BIRTH_DATE),
                    (Exit.EMAIL, msg("common.field_email"), S.EDIT_EMAIL),
                ),
                msg("bhxh.edit_help"),
                S.SUMMARY,
            ),
            self._code_step(S.EDIT_CODE, msg("bhxh.edit_code_prompt"), S.SUMMARY),
            full_name_step(
                S.EDIT_FULL_NAME,
                msg("common.edit_full_name_prompt"),
                msg("bhxh.full_name_help"),
                S.SUMMARY,
            ),
            birth_date_step(
                S.EDIT_BIRTH_DATE,
                msg("bhxh.birth_date_prompt"),
                msg("bhxh.birth_date_help"),
                S.SUMMARY,
            ),
            optional_email_step(
                S.EDIT_EMAIL, msg("bhxh.email_prompt"), msg("bhxh.email_help"), S.SUMMARY
            ),
        )

    def steps(self) -> tuple[Step, ...]:
        return (
            self._code_step(S.CODE, msg("bhxh.code_prompt"), S.FULL_NAME),
            full_name_step(
                S.FULL_NAME, msg("bhxh.full_name_prompt"), msg("bhxh.full_name_help"), S.BIRTH_DATE
            ),
            birth_date_step(
                S.BIRTH_DATE, msg("bhxh.birth_date_prompt"), msg("bhxh.birth_date_help"), S.EMAIL
            ),
            optional_email_step(
                S.EMAIL, msg("bhxh.email_prompt"), msg("bhxh.email_help"), S.SUMMARY
            ),
            Step(
                S.SUMMARY,
                _summary,
                msg("bhxh.summary_help"),
                choices=(
                    Choice(Exit.CONFIRM, msg("common.choice_confirm"), act=self.verify),
                    Choice(Exit.EDIT, msg("common.choice_edit")),
                ),
                next={
                    Exit.OK: S.OTP,
                    Exit.EDIT: S.EDIT,
                    Exit.NOT_VERIFIED: S.NOT_VERIFIED,
                    Exit.NO_PHONE: S.NO_PHONE,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                },
            ),
            *self._edit_steps(),
            Step(
                S.NOT_VERIFIED,
                msg("bhxh.not_verified_prompt"),
                msg("bhxh.not_verified_help"),
                choices=(
                    Choice(Exit.EDIT, msg("common.choice_edit"), act=_edit),
                    Choice(Exit.OTHER_METHOD, msg("bhxh.choice_other_method")),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={
                    Exit.EDIT: S.EDIT,
                    Exit.BHXH_CODE: S.CODE,
                    Exit.OTHER_METHOD: Elsewhere.CITIZEN_METHODS,
                    **AWAY,
                },
            ),
            Step(
                S.NO_PHONE,
                msg("bhxh.no_phone"),
                msg("bhxh.no_phone_help"),
                choices=(
                    Choice(Exit.MOBILE, msg("bhxh.choice_mobile")),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={Exit.MOBILE: Elsewhere.MOBILE, **AWAY},
            ),
            self._codes.step(S.OTP, next_ok=S.PASSWORD),
            *password_steps(
                (S.PASSWORD, S.PASSWORD_CONFIRM, S.PASSWORD_STOPPED),
                self._hashing,
                self.create_account,
                {Exit.OK: S.DONE, Exit.DUPLICATE: CommonStep.DUPLICATE},
            ),
            Step(S.DONE, _done, msg("bhxh.done_help"), end=True),
        )
