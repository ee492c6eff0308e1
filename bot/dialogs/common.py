"""Steps every registration shares: account creation, duplicate account, the ways out
(the OTP in `codes`, the password in `password_step`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

from bot.accounts.evidence import Evidence, OtpProof, SignatureProof, regbot_version
from bot.accounts.model import (
    Account,
    AccountKind,
    DuplicateAccount,
    NewAccount,
    RegistrationMethod,
)
from bot.accounts.port import Accounts
from bot.dialogs.draft import Checked, Draft, OtpState
from bot.dialogs.exits import Exit
from bot.engine.spec import Choice, Method, Outcome, Step, StepContext
from bot.i18n import Msg, Personal, PersonalKind, msg


class Entry(StrEnum):
    """Where any dialog may lead: the first screen, forgot password, the other ways."""

    START = "start.who"  # bot.dialogs.start
    FORGOT = "forgot.kind"  # bot.dialogs.forgot_password
    OTHER_WAYS = "common.other_ways"


class CommonStep(StrEnum):
    DUPLICATE = "common.duplicate"
    OTHER_WAYS = Entry.OTHER_WAYS.value


# -- display helpers ---------------------------------------------------------------


def show_date(value: date | str) -> str:
    """A date as people type it: dd/mm/yyyy."""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return day.strftime("%d/%m/%Y")


def optional_email(draft: Draft) -> Msg | Personal:
    # in full to the person, who must be able to spot a typo (a business's notices go
    # there); masked in transcripts, logs and the agents' view
    email = draft.person.email
    return Personal(email, PersonalKind.EMAIL) if email else msg("common.no_email")


def own(value: str | None, kind: PersonalKind) -> Personal:
    """The person's own value in their own conversation: whole to them, masked for the
    record (an empty value stays empty)."""
    return Personal(value or "", kind)


def own_date(value: date | None) -> Personal:
    return own(show_date(value) if value else "", PersonalKind.DATE)


# -- the account ----------------------------------------------------------------


def level_2_account(draft: Draft, method: RegistrationMethod, full_name: str) -> NewAccount:
    """A citizen's account from the draft, after an OTP to the verified phone (mobile
    subscriber, BHXH): guide level 2, the password as hashed on arrival."""
    person = draft.person
    if person.id_number is None or person.birth_date is None or draft.password_hash is None:
        raise ValueError("a level 2 account needs an ID number, a birth date and a password")
    return NewAccount(
        kind=AccountKind.CITIZEN,
        id_type=person.id_type,
        id_number=person.id_number,
        full_name=full_name,
        date_of_birth=person.birth_date,
        phone=person.phone,
        email=person.email,
        password_hash=draft.password_hash,
        verification_level=2,
        method=method,
    )


CHECKED_BY_METHOD: Final = {
    RegistrationMethod.MOBILE: Checked.TYPED_ID,
    RegistrationMethod.BHXH: Checked.BHXH_RECORD,
    RegistrationMethod.SIM: Checked.CERTIFICATE,
    RegistrationMethod.USB: Checked.CERTIFICATE,
}


def duplicate(ctx: StepContext, checked: Checked) -> Outcome:
    """An account already holds the number `checked` names: the duplicate screen says
    which number it was (the person's own, in full to them)."""
    ctx.draft.duplicate_of = checked
    return Outcome(Exit.DUPLICATE)


def _which_number(ctx: StepContext) -> Msg:
    draft = ctx.draft
    certified = draft.signature.certified
    if draft.duplicate_of is Checked.CERTIFICATE and certified is not None:
        number = Personal(certified.id_number, PersonalKind.ID)
        if certified.kind is AccountKind.BUSINESS:
            return msg("common.duplicate_certificate_tax_code", id_number=number)
        return msg("common.duplicate_certificate_id", id_number=number)
    if draft.duplicate_of is Checked.BHXH_RECORD:
        return msg("common.duplicate_bhxh_record")
    if draft.duplicate_of is Checked.TYPED_ID and draft.person.id_number:
        number = Personal(draft.person.id_number, PersonalKind.ID)
        return msg("common.duplicate_typed_id", id_number=number)
    return msg("common.duplicate_number")


def _duplicate_prompt(ctx: StepContext) -> tuple[Msg, Msg]:
    """Which number already has an account (as the route checked it), then what to do."""
    return _which_number(ctx), msg("common.duplicate")


class Registrations:
    """Creates accounts once, each with the evidence of its level. A final turn can be
    retried after the account was made but before the dialog was saved (the store failed,
    the reply was lost): the retry finds its own account - same password hash, or for a
    signature registration the same method within `retry_window` seconds - and is told
    it is done, not "duplicate".

    `keyed_hash` is `SecretKeys.identity_hash`: the evidence names the OTP's phone only
    by the hash the account's `phone_hash` has.
    """

    def __init__(
        self, accounts: Accounts, retry_window: int, keyed_hash: Callable[[str, str], str]
    ) -> None:
        self.accounts = accounts
        self._window = retry_window
        self._hash = keyed_hash

    def evidence(self, ctx: StepContext, signature: SignatureProof | None = None) -> Evidence:
        """What this dialog checked: the signature (level 3), or else the register's
        answer and the SMS code (level 2); with the channel and regbot's version."""
        channel, version = ctx.channel, regbot_version()
        if signature is not None:
            return Evidence(channel, version, signature=signature)
        otp = self._otp_proof(ctx.draft.otp)
        return Evidence(channel, version, ctx.draft.evidence.register, otp)

    def _otp_proof(self, state: OtpState | None) -> OtpProof | None:
        if state is None or not state.used or state.verified_at is None:
            return None
        return OtpProof(
            phone_hash=self._hash("phone", state.phone),
            sent_at=datetime.fromtimestamp(state.issued_at, UTC),
            verified_at=datetime.fromtimestamp(state.verified_at, UTC),
            tries=state.attempts,
            resends=state.resends,
        )

    async def create(
        self, ctx: StepContext, account: NewAccount, signature: SignatureProof | None = None
    ) -> Outcome:
        """Write the account with its evidence (InsufficientEvidence: nothing written)."""
        try:
            await self.accounts.create(account, self.evidence(ctx, signature))
        except DuplicateAccount:
            existing = await self.accounts.find(account.kind, account.id_number)
            if existing is None or not self._same(ctx, existing, account):
                return duplicate(ctx, CHECKED_BY_METHOD[account.method])
        return Outcome()

    def _same(self, ctx: StepContext, existing: Account, new: NewAccount) -> bool:
        if new.password_hash is not None:
            return existing.password_hash == new.password_hash  # argon2 salts: unique
        recent = (ctx.now - existing.created_at).total_seconds() < self._window
        return existing.method == new.method and recent


# -- ways out ----------------------------------------------------------------------

HOME_CHOICE: Final = Choice(Exit.HOME, msg("common.choice_home"))
START_AGAIN_CHOICE: Final = Choice(Exit.HOME, msg("common.choice_start_again"))
OTHER_WAYS_CHOICE: Final = Choice(Exit.OTHER_WAYS, msg("common.choice_other_ways"))
FORGOT_CHOICE: Final = Choice(Exit.FORGOT, msg("common.choice_forgot_password"))
# the named edges of the ways out, the same wherever they are offered
HOME: Final[Mapping[str, StrEnum]] = {Exit.HOME: Entry.START}
AWAY: Final[Mapping[str, StrEnum]] = {Exit.OTHER_WAYS: Entry.OTHER_WAYS, **HOME}
WAYS_OUT: Final[Mapping[str, StrEnum]] = {Exit.FORGOT: Entry.FORGOT, **AWAY}


def ways_out_step(name: StrEnum, prompt: Msg, help: Msg) -> Step:
    """A screen that only informs (what to do elsewhere), then offers the ways out."""
    return Step(name, prompt, help, choices=(OTHER_WAYS_CHOICE, HOME_CHOICE), next=AWAY)


# On the first screen (no registrant kind): the help screen with the other ways.
OTHER_WAYS_METHOD: Final = Method(
    Exit.OTHER_WAYS, msg("common.choice_other_ways"), kinds=(), entry=CommonStep.OTHER_WAYS
)

COMMON_STEPS: Final = (
    Step(
        name=CommonStep.DUPLICATE,
        prompt=_duplicate_prompt,
        help=msg("common.duplicate_help"),
        choices=(FORGOT_CHOICE, OTHER_WAYS_CHOICE, HOME_CHOICE),
        next=WAYS_OUT,
    ),
    Step(
        name=CommonStep.OTHER_WAYS,
        prompt=msg("common.other_ways"),
        help=msg("common.other_ways_help"),
        choices=(FORGOT_CHOICE, HOME_CHOICE),
        next={Exit.FORGOT: Entry.FORGOT, **HOME},
    ),
)
