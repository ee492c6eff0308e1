"""Steps after a verified digital signature (SIM or USB token): what the certificate says,
email (required for a business), "Đăng ký" -> account at level 3, with the signature's
evidence (kept since its acceptance in `bot.signing.proofs`). No password step."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind, IdType, NewAccount, RegistrationMethod
from bot.accounts.port import Accounts
from bot.dialogs.common import (
    HOME,
    HOME_CHOICE,
    CommonStep,
    Registrations,
    duplicate,
    optional_email,
    show_date,
)
from bot.dialogs.draft import Checked, SignedIdentity
from bot.dialogs.exits import Exit
from bot.dialogs.fields import own_mobile
from bot.dialogs.ports import Notifier
from bot.engine.spec import Act, Choice, Outcome, Step, StepContext, act
from bot.i18n import Msg, Personal, PersonalKind, msg
from bot.signing.ports import Signing
from bot.validation import mask_id, parse_email

LEVEL: Final = 3


def refusal_message(reason: str) -> Msg:
    """The message for a refusal recorded by reason (pki catalog, or ours)."""
    if reason.startswith("kind_mismatch_"):
        return msg(f"signing.{reason}")
    if reason == "revocation_unavailable":
        return msg("pki.revocation_unavailable")
    return msg(f"pki.refused.{reason}")


def _email_required(ctx: StepContext) -> bool:
    """Only a business must give an email (the guide); citizens and civil servants may not."""
    return ctx.draft.kind is AccountKind.BUSINESS


def _certificate(ctx: StepContext) -> Msg:
    """What the certificate says, as the email step and the summary show it."""
    who = ctx.draft.signature.certified
    if who is None:  # prompts never fail: a screen preview may come without one
        who = SignedIdentity(AccountKind.CITIZEN, IdType.CCCD, "", "", "", date.min)
    agency = who.agency if who.kind is AccountKind.OFFICIAL else None
    business = who.kind is AccountKind.BUSINESS
    return msg(
        "signing.certificate",
        name_label=msg("signing.name_business" if business else "signing.name_person"),
        name=who.name if business else Personal(who.name, PersonalKind.NAME),
        id_type=msg(f"id_type.{who.id_type}"),
        id_number=Personal(who.id_number, PersonalKind.ID),
        agency=msg("signing.summary_agency", agency=agency) if agency else "",
        issuer=who.issuer,
        not_after=show_date(who.not_after) if who.not_after > date.min else "",
    )


def _email_prompt(ctx: StepContext) -> tuple[Msg, Msg]:
    """The guide (§1.3 step 5, §1.4 step 4): the details read from the SIM or token are
    shown first, then the email is asked - the person sees whose certificate signed
    before typing anything for it."""
    required = _email_required(ctx)
    return (
        _certificate(ctx),
        msg("signing.email_required" if required else "signing.email_optional"),
    )


def _summary(ctx: StepContext) -> tuple[Msg, Msg]:
    return _certificate(ctx), msg("signing.summary", email=optional_email(ctx.draft))


def _done(method: RegistrationMethod) -> Any:
    def prompt(ctx: StepContext) -> Msg:
        who = ctx.draft.signature.certified
        return msg(
            "signing.done",
            id_type=msg(f"id_type.{who.id_type if who else IdType.CCCD}"),
            id_number=Personal(who.id_number if who else "", PersonalKind.ID),
            method=msg(f"signing.done_method_{method}"),
            level=LEVEL,
        )

    return prompt


class CertifiedSteps:
    """The last steps of a signature registration, for one method (SIM or USB token)."""

    def __init__(
        self,
        accounts: Accounts,
        registrations: Registrations,
        signing: Signing,
        notifier: Notifier,
    ) -> None:
        self._accounts = accounts
        self._registrations = registrations
        self._signing = signing
        self._notifier = notifier

    async def accept(
        self, ctx: StepContext, identity: SignedIdentity, proof: str | None
    ) -> Outcome:
        """The signature is verified (`proof`: the name of its evidence): the duplicate
        check comes now, before the person types an email and presses "Đăng ký" for
        nothing."""
        ctx.draft.signature.certified = identity
        ctx.draft.evidence.signature = proof
        if await self._accounts.exists(identity.kind, identity.id_number):
            return duplicate(ctx, Checked.CERTIFICATE)
        return Outcome(notice=msg("signing.signature_accepted"))

    def finish(self, method: RegistrationMethod) -> Act:
        @act(Exit.OK, Exit.DUPLICATE, Exit.HOME)
        async def create(ctx: StepContext, _: Any) -> Outcome:
            who = ctx.draft.signature.certified
            if who is None:
                raise ValueError("no verified signature to register")
            name = ctx.draft.evidence.signature
            proof = await self._signing.proofs.get(name) if name else None
            if proof is None:  # its evidence is gone (a dialog kept open past its lifetime)
                return Outcome(Exit.HOME, msg("signing.proof_expired"))
            account = NewAccount(
                kind=who.kind,
                id_type=who.id_type,
                id_number=who.id_number,
                full_name=who.name,
                verification_level=LEVEL,
                method=method,
                phone=ctx.draft.person.phone,
                email=ctx.draft.person.email,
                agency=who.agency if who.kind is AccountKind.OFFICIAL else None,
            )
            outcome = await self._registrations.create(ctx, account, proof)
            phone = ctx.draft.person.phone or own_mobile(ctx)  # the SIM's, or the person's own
            if outcome.exit == Exit.OK and phone:
                notice = msg(
                    "signing.registered_sms",
                    id_number=mask_id(account.id_number),
                    method=msg(f"signing.sms_method_{method}"),
                )
                self._notifier.send_after_reply(phone, notice, ctx.lang)
            return outcome

        return create

    def steps(
        self, names: tuple[StrEnum, StrEnum, StrEnum], method: RegistrationMethod
    ) -> tuple[Step, ...]:
        """Email (entered once the signature is accepted), summary, done."""
        email, summary, done = names
        return (
            Step(
                email,
                _email_prompt,
                msg("signing.email_help"),
                parse=lambda text, ctx: parse_email(text),
                field="email",
                optional=lambda ctx: not _email_required(ctx),
                next={Exit.OK: summary},
                checkpoint=True,  # the signature is spent: "back" cannot return to it
            ),
            Step(
                summary,
                _summary,
                msg("signing.summary_help"),
                choices=(
                    Choice(Exit.REGISTER, msg("signing.choice_register"), act=self.finish(method)),
                    Choice(Exit.CHANGE_EMAIL, msg("signing.choice_change_email")),
                    HOME_CHOICE,
                ),
                next={
                    Exit.OK: done,
                    Exit.CHANGE_EMAIL: email,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                    **HOME,
                },
            ),
            Step(done, _done(method), msg("signing.done_help"), end=True),
        )
