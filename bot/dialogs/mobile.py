"""Registration by mobile subscriber (guide §1.1): citizens only, level 2.

Name, date of birth, CCCD/CMND, phone, optional email -> summary -> the carrier confirms
the number is registered to this person -> no account yet -> OTP -> password twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.accounts.model import AccountKind
from bot.accounts.port import Accounts
from bot.dialogs.common import (
    AWAY,
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
    CommonStep,
    OtpCodes,
    Registrations,
    duplicate,
    level_2_account,
    optional_email,
    password_steps,
    show_date,
)
from bot.dialogs.draft import Checked
from bot.dialogs.exits import Exit
from bot.dialogs.fields import (
    birth_date_step,
    full_name_step,
    optional_email_step,
    use_caller_choice,
)
from bot.dialogs.ports import PasswordHashing
from bot.engine.spec import Choice, Dialog, Invalid, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.validation import mask_id, mask_phone, names_match, parse_citizen_id, parse_phone
from integrations.carrier import CarrierRegister


class S(StrEnum):
    FULL_NAME = "mobile.full_name"
    BIRTH_DATE = "mobile.birth_date"
    ID_NUMBER = "mobile.id_number"
    PHONE = "mobile.phone"
    EMAIL = "mobile.email"
    SUMMARY = "mobile.summary"
    NOT_VERIFIED = "mobile.not_verified"
    OTP = "mobile.otp"
    PASSWORD = "mobile.password"
    PASSWORD_CONFIRM = "mobile.password_confirm"
    DONE = "mobile.done"


def _id_number(text: str, ctx: StepContext) -> str:
    return parse_citizen_id(text, ctx.draft.person.birth_date).number


@act(Exit.OK)
async def _birth_date_changed(ctx: StepContext, _: Any) -> Outcome:
    """A CCCD kept from before must still fit the birth date (coming back with "back")."""
    person = ctx.draft.person
    if person.id_number:
        try:
            parse_citizen_id(person.id_number, person.birth_date)
        except Invalid as refused:
            person.id_number = None  # asked again at the next step, with the reason
            return Outcome(notice=refused.message)
    return Outcome()


@act(Exit.OK)
async def _id_note(ctx: StepContext, number: Any) -> Outcome:
    """An accepted number may carry a note (e.g. a province code outside the list)."""
    return Outcome(notice=parse_citizen_id(str(number)).note)


@act(Exit.OK)
async def _keep_phone(ctx: StepContext, phone: str) -> Outcome:
    ctx.draft.person.phone = phone
    return Outcome()


def _summary(ctx: StepContext) -> Msg:
    person = ctx.draft.person
    return msg(
        "mobile.summary",
        name=person.full_name or "",
        birth_date=show_date(person.birth_date) if person.birth_date else "",
        id_type=person.id_type.value,
        id_number=mask_id(person.id_number or ""),
        phone=mask_phone(person.phone or ""),
        email=optional_email(ctx.draft),
    )


class Mobile:
    """The dialog, given the ports it uses."""

    def __init__(
        self,
        carrier: CarrierRegister,
        accounts: Accounts,
        codes: OtpCodes,
        hashing: PasswordHashing,
        registrations: Registrations,
    ) -> None:
        self._carrier = carrier
        self._accounts = accounts
        self._codes = codes
        self._hashing = hashing
        self._registrations = registrations

    @act(Exit.OK, Exit.NOT_VERIFIED, Exit.DUPLICATE)
    async def verify_subscriber(self, ctx: StepContext, _: Any) -> Outcome:
        """The carrier confirms the number is registered to this person; no account yet."""
        person = ctx.draft.person
        assert person.phone and person.id_number and person.birth_date and person.full_name
        subscriber = await self._carrier.lookup(person.phone)
        if subscriber is None:
            return Outcome(Exit.NOT_VERIFIED, msg("mobile.subscriber_unknown"))
        owner = subscriber.owner
        if not subscriber.owner_registered or owner is None:
            return Outcome(Exit.NOT_VERIFIED, msg("mobile.subscriber_not_registered"))
        if not (
            owner.id_number == person.id_number
            and owner.date_of_birth == person.birth_date
            and names_match(owner.full_name, person.full_name)
        ):
            return Outcome(Exit.NOT_VERIFIED, msg("mobile.subscriber_mismatch"))
        if await self._accounts.exists(AccountKind.CITIZEN, person.id_number):
            return duplicate(ctx, Checked.TYPED_ID)
        return await self._codes.send(ctx, person.phone)

    @act(Exit.OK, Exit.DUPLICATE)
    async def create_account(self, ctx: StepContext, _: Any) -> Outcome:
        full_name = ctx.draft.person.full_name or ""
        return await self._registrations.create(
            ctx, level_2_account(ctx.draft, "mobile", full_name)
        )

    def dialog(self) -> Dialog:
        return Dialog(
            name="mobile",
            steps=self.steps(),
            methods=(
                Method(
                    "mobile", msg("method.mobile"), kinds=(AccountKind.CITIZEN,), entry=S.FULL_NAME
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
            Step(
                S.ID_NUMBER,
                msg("mobile.id_number_prompt"),
                msg("mobile.id_number_help"),
                parse=_id_number,
                act=_id_note,
                field="id_number",
                show_value=mask_id,
                next={Exit.OK: S.PHONE},
            ),
            Step(
                S.PHONE,
                msg("mobile.phone_prompt"),
                msg("mobile.phone_help"),
                choices=(use_caller_choice(_keep_phone, Exit.OK),),
                parse=lambda text, ctx: parse_phone(text),
                field="phone",
                show_value=mask_phone,
                next={Exit.OK: S.EMAIL},
            ),
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
                    Exit.EDIT: S.FULL_NAME,
                    Exit.NOT_VERIFIED: S.NOT_VERIFIED,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                },
            ),
            Step(
                S.NOT_VERIFIED,
                msg("mobile.not_verified_prompt"),
                msg("mobile.not_verified_help"),
                choices=(
                    Choice(Exit.EDIT, msg("common.choice_edit")),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={Exit.EDIT: S.FULL_NAME, **AWAY},
            ),
            self._codes.step(S.OTP, next_ok=S.PASSWORD),
            *password_steps(
                (S.PASSWORD, S.PASSWORD_CONFIRM),
                self._hashing,
                self.create_account,
                {Exit.OK: S.DONE, Exit.DUPLICATE: CommonStep.DUPLICATE},
            ),
            Step(
                S.DONE,
                lambda ctx: msg("mobile.done", id_number=mask_id(ctx.draft.person.id_number or "")),
                msg("mobile.done_help"),
                end=True,
            ),
        )
