"""Steps every registration shares: OTP, password twice, account creation, duplicate
account, the ways out."""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

from bot.accounts.evidence import Evidence, OtpProof, SignatureProof, regbot_version
from bot.accounts.model import (
    Account,
    AccountKind,
    DuplicateAccount,
    NewAccount,
    RegistrationMethod,
)
from bot.accounts.port import Accounts
from bot.dialogs.draft import Checked, Draft, OtpState, PasswordEntry
from bot.dialogs.exits import Exit
from bot.dialogs.limits import HOUR, Limit, Limits, local_time
from bot.dialogs.ports import Notifier, PasswordHashing
from bot.engine.spec import STAY, Act, Choice, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, Personal, PersonalKind, msg
from bot.otp import OtpCheck, OtpService, ResendCheck
from bot.passwords import HashingBusy, new_salt
from bot.validation import check_password, mask_phone, parse_otp


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


# -- OTP ---------------------------------------------------------------------------

# Codes sent to one phone, whatever the dialog: cancelling and starting again must not
# reset the resend budget into an SMS cannon aimed at somebody's phone.
OTP_PER_PHONE: Final = Limit("otp_phone", allowed=10, window_seconds=HOUR)


class OtpCodes:
    """Guide step 4: a code by SMS to the verified phone, "Gửi lại OTP", limited tries."""

    def __init__(self, otp: OtpService, notifier: Notifier, limits: Limits) -> None:
        self._otp = otp
        self._notifier = notifier
        self._limits = limits

    @property
    def valid_minutes(self) -> int:
        return self._otp.policy.valid_seconds // 60

    async def send(
        self,
        ctx: StepContext,
        phone: str,
        *,
        deliver: bool = True,
        sms_key: str = "otp.sms",
        resend: bool = False,
        after_reply: bool = False,
    ) -> Outcome:
        """Send a code to `phone`, within the resend rules and the per-phone limit.

        A live code already sent to that phone in this dialog is not sent again unless the
        person asked for a resend (coming back to the summary and confirming again).
        With `deliver=False` everything happens (state, resend rules, notice) except the
        SMS, and the phone's budget is looked at, not spent (a code nobody receives must
        not use up the owner's): forgot password runs this when no account matches, and
        sends with `after_reply=True` when one does, so both paths look alike and fail
        alike (not at all). Raises IntegrationUnavailable when the gateway fails: the
        code that did not leave is not counted.
        """
        now = ctx.epoch
        previous = ctx.draft.otp
        if previous is None or previous.phone != phone or previous.used:
            previous = None
        elif not resend and self._otp.is_live(previous, now):
            return Outcome(notice=msg("otp.still_valid", phone=mask_phone(phone)))
        else:
            verdict, wait = self._otp.can_resend(previous, now)
            if verdict is ResendCheck.TOO_SOON:
                return Outcome.stay(msg("otp.resend_too_soon", seconds=wait))
            if verdict is ResendCheck.LIMIT:
                return Outcome.stay(msg("otp.resend_limit"))
        check = self._limits.spend if deliver else self._limits.blocked
        if wait := await check(OTP_PER_PHONE, "phone", phone):
            return Outcome.stay(msg("otp.phone_limit", until=local_time(ctx.now, wait)))
        code, state = self._otp.issue(now, phone, previous)
        if deliver:
            text = msg(sms_key, code=code, minutes=self.valid_minutes)
            if after_reply:
                self._notifier.send_after_reply(phone, text, ctx.lang)
            else:
                try:
                    await self._notifier.send(phone, text, ctx.lang)
                except BaseException:
                    await self._limits.give_back([self._limits.key(OTP_PER_PHONE, "phone", phone)])
                    raise
        ctx.draft.otp = state
        return Outcome(notice=msg("otp.sent", phone=mask_phone(phone)))

    async def check(self, ctx: StepContext, code: Any, *, genuine: bool = True) -> Outcome:
        """Check a typed code. `genuine=False` (a code that was never sent) counts the try
        like any other but never accepts, so a lucky guess cannot get through."""
        state = ctx.draft.otp
        if state is None:
            return Outcome.stay(msg("otp.none"))
        verdict = self._otp.verify(state, str(code), ctx.epoch)
        if verdict is OtpCheck.OK and not genuine:
            verdict = OtpCheck.WRONG if self._otp.tries_left(state) else OtpCheck.EXHAUSTED
        if verdict is OtpCheck.OK:
            return Outcome(notice=msg("otp.accepted"))
        if verdict is OtpCheck.WRONG:
            return Outcome.stay(msg("otp.wrong", tries=self._otp.tries_left(state)))
        if verdict is OtpCheck.EXPIRED:
            return Outcome.stay(msg("otp.expired"))
        return Outcome.stay(msg("otp.exhausted"))

    @act(Exit.OK)
    async def check_code(self, ctx: StepContext, code: Any) -> Outcome:
        return await self.check(ctx, code)

    @act()
    async def resend(self, ctx: StepContext, _: Any) -> Outcome:
        state = ctx.draft.otp
        if state is None:
            return Outcome.stay(msg("otp.none"))
        outcome = await self.send(ctx, state.phone, resend=True)
        return Outcome.stay(outcome.notice)

    def step(
        self,
        name: StrEnum,
        next_ok: StrEnum,
        *,
        prompt_key: str = "otp.prompt",
        resend: Act | None = None,
        check: Act | None = None,
        ways_out: bool = False,
    ) -> Step:
        """Type the code sent by SMS, or "Gửi lại OTP"; with `ways_out`, also the other
        ways and the first screen (forgot password: no code may ever come)."""

        def prompt(ctx: StepContext) -> Msg:
            phone = ctx.draft.otp.phone if ctx.draft.otp else ""
            return msg(prompt_key, phone=mask_phone(phone))

        return Step(
            name=name,
            prompt=prompt,
            help=msg("otp.help"),
            choices=(
                Choice(Exit.RESEND, msg("otp.resend"), act=resend or self.resend),
                *((OTHER_WAYS_CHOICE, HOME_CHOICE) if ways_out else ()),
            ),
            parse=lambda text, ctx: parse_otp(text),
            act=check or self.check_code,
            next={Exit.OK: next_ok, **(AWAY if ways_out else {})},
            sensitive=True,
        )


# -- password twice ----------------------------------------------------------------

# Confirmations checked per dialog. A mismatch costs no argon2id (a keyed digest is
# compared), so the limit is not about CPU but about a dialog that cannot end: five is
# more than honest typos take - feature-phone keypads included - and each try says how
# many are left. Past it the person starts again (a new OTP, which the OTP limits bound)
# or leaves.
PASSWORD_ATTEMPTS: Final = 5


def _check_password(text: str, ctx: StepContext) -> str:
    """The guide's rules; the password itself is never stored (no field), only a digest."""
    person = ctx.draft.person
    phone = person.phone or (ctx.draft.otp.phone if ctx.draft.otp else None)
    return check_password(text, id_number=person.id_number, phone=phone)


def password_steps(
    names: tuple[StrEnum, StrEnum, StrEnum],
    hashing: PasswordHashing,
    finish: Act,
    after: Mapping[str, StrEnum],
) -> tuple[Step, Step, Step]:
    """Guide step 5: password, its confirmation, and where too many mismatches lead;
    `finish` creates the account (or sets the password), its exits lead as `after` says.

    The first entry keeps a keyed digest (`hashing.digest`, salted per entry); the
    confirmation is compared with it, and argon2id runs once, when they match - in the
    bounded pool, whose full queue keeps the person at the confirmation with "try again
    in a moment". The hash is salted by the entry, so a final turn replayed after a lost
    save hashes to the same value (and `Registrations` finds its own account).
    """
    first_name, second_name, stopped_name = names

    @act(Exit.OK)
    async def keep_first_entry(ctx: StepContext, password: Any) -> Outcome:
        salt = new_salt()
        ctx.draft.password_entry = PasswordEntry(salt, hashing.digest(salt, str(password)))
        ctx.draft.password_hash = None  # a new password: a new hash once it is confirmed
        return Outcome()

    @act(Exit.MISMATCH, Exit.TOO_MANY, *finish.exits)
    async def confirm(ctx: StepContext, typed: Any) -> Outcome:
        draft, entry = ctx.draft, ctx.draft.password_entry
        if draft.password_attempts >= PASSWORD_ATTEMPTS:
            return Outcome(Exit.TOO_MANY)
        typed_digest = hashing.digest(entry.salt, str(typed)) if entry else b""
        if entry is None or not hmac.compare_digest(typed_digest, entry.digest):
            draft.password_attempts += 1
            draft.password_entry = None
            left = PASSWORD_ATTEMPTS - draft.password_attempts
            if not left:
                return Outcome(Exit.TOO_MANY)
            return Outcome(Exit.MISMATCH, msg("password.mismatch", tries=left))
        if draft.password_hash is None:
            try:
                draft.password_hash = await hashing.hash(str(typed), entry.salt)
            except HashingBusy:
                return Outcome(STAY, msg("password.busy"))
            draft.password_attempts += 1
        return await finish(ctx, None)

    first = Step(
        name=first_name,
        prompt=msg("password.prompt"),
        help=msg("password.help"),
        parse=_check_password,
        act=keep_first_entry,
        next={Exit.OK: second_name},
        sensitive=True,
        checkpoint=True,
        password=True,
    )
    second = Step(
        name=second_name,
        prompt=msg("password.confirm_prompt"),
        help=msg("password.help"),
        # the same NFC as the first entry: a keyboard typing decomposed accents
        # (Unikey's "Unicode tổ hợp") must be able to confirm its own password
        parse=lambda text, ctx: unicodedata.normalize("NFC", text),
        act=confirm,
        next={Exit.MISMATCH: first_name, Exit.TOO_MANY: stopped_name, **after},
        sensitive=True,
        password=True,
    )
    stopped = Step(
        name=stopped_name,
        prompt=msg("password.too_many", tries=PASSWORD_ATTEMPTS),
        help=msg("password.too_many_help"),
        choices=(START_AGAIN_CHOICE, OTHER_WAYS_CHOICE),
        next={Exit.HOME: Entry.START, Exit.OTHER_WAYS: Entry.OTHER_WAYS},
        checkpoint=True,
    )
    return first, second, stopped


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
