"""Forgot password ("Quên mật khẩu"): ID number and the account's phone -> OTP -> new password.

The flow must not tell who has an account. So every path after the phone step looks the
same: the same reply ("if an account matches, we have sent a code"), the same OTP step
with the same resend rules, and codes that are simply "wrong" when nothing was sent
(`OtpCodes.send(deliver=False)`, `OtpCodes.check(genuine=False)`). Every request counts
against its caller and against the (identity, phone) pair it names; only a message that
really goes counts against the phone, so typing someone's number with made-up ID numbers
cannot use up the owner's codes (the phone's limits are still looked at, so both read
alike). A reset is told to the account's phone.

An account registered with a SIM or USB signature has no password to reset. When the
ID number and phone match one, what is true goes where only its owner reads it: an SMS
to the account's phone says it signs in with its signature and where to get help; the
screen stays the one everybody gets. Accounts with no phone cannot be told anything,
so the one reply says where to go when no message comes. Civil servants' accounts all
sign in with their Government CA token: choosing "Cơ quan nhà nước" says so at once,
the same for everyone, without looking anything up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind
from bot.accounts.port import Accounts
from bot.dialogs.codes import OtpCodes
from bot.dialogs.common import (
    AWAY,
    HOME_CHOICE,
    OTHER_WAYS_CHOICE,
    Entry,
    ways_out_step,
)
from bot.dialogs.exits import Exit
from bot.dialogs.limits import DAY, HOUR, Limit, Limits, caller, local_moment
from bot.dialogs.password_step import PASSWORD_ATTEMPTS, password_steps
from bot.dialogs.ports import Notifier, PasswordHashing
from bot.engine.spec import STAY, Act, Choice, Dialog, Method, Outcome, Step, StepContext, act
from bot.i18n import msg
from bot.validation import mask_id, mask_phone, parse_citizen_id, parse_phone, parse_tax_code

PER_CALLER: Final = Limit("forgot.caller", allowed=5, window_seconds=HOUR)
PER_ACCOUNT: Final = Limit("forgot.account", allowed=3, window_seconds=HOUR)  # identity + phone
PER_PHONE: Final = Limit("forgot.phone", allowed=10, window_seconds=DAY)  # codes really sent


class S(StrEnum):
    KIND = Entry.FORGOT.value
    ID_NUMBER = "forgot.id_number"
    TAX_CODE = "forgot.tax_code"
    OFFICIAL = "forgot.official"
    PHONE = "forgot.phone"
    OTP = "forgot.otp"
    PASSWORD = "forgot.password"
    PASSWORD_CONFIRM = "forgot.password_confirm"
    PASSWORD_STOPPED = "forgot.password_stopped"
    STOPPED = "forgot.stopped"
    DONE = "forgot.done"


def _choose(kind: AccountKind) -> Act:
    @act(kind)
    async def choose(ctx: StepContext, _: Any) -> Outcome:
        if (ctx.draft.kind or AccountKind.CITIZEN) != kind:
            # a CCCD typed for a registration is not a tax code: never offer it as one
            ctx.draft.person.id_number = None
        ctx.draft.kind = kind
        return Outcome(kind)

    return choose


class ForgotPassword:
    """The dialog, given the ports it uses."""

    def __init__(
        self,
        accounts: Accounts,
        limits: Limits,
        codes: OtpCodes,
        hashing: PasswordHashing,
        notifier: Notifier,
    ) -> None:
        self._accounts = accounts
        self._limits = limits
        self._codes = codes
        self._hashing = hashing
        self._notifier = notifier

    async def _spend_request(
        self, ctx: StepContext, *, sends: bool = False
    ) -> tuple[tuple[str, ...], int]:
        """Count a request (caller, identity + phone) and, when a message will really go
        (a code, or `sends`: the word to a signature account), the phone's daily budget; a
        request that matches nothing only looks at that budget, so the reply is the same.
        Returns what was spent, and the wait when refused."""
        kind, person = ctx.draft.kind or AccountKind.CITIZEN, ctx.draft.person
        phone = person.phone or ""
        account = f"{kind.value}:{person.id_number or ''}:{phone}"
        attempt = await self._limits.spend_all(
            (
                (PER_CALLER, caller(ctx.channel, ctx.user_id)),
                (PER_ACCOUNT, ("forgot", account)),
            )
        )
        if attempt.wait:
            return (), attempt.wait
        if ctx.draft.account_id is None and not sends:
            return attempt.keys, await self._limits.blocked(PER_PHONE, "phone", phone)
        phone_key = self._limits.key(PER_PHONE, "phone", phone)
        return (*attempt.keys, phone_key), await self._limits.spend(PER_PHONE, "phone", phone)

    def _stopped(self, ctx: StepContext, wait: int) -> Outcome:
        return Outcome(Exit.STOPPED, msg("forgot.too_many", until=local_moment(ctx.now, wait)))

    async def _match(self, ctx: StepContext) -> tuple[int | None, bool]:
        """The account the ID number and phone name: its id when it has a password to
        reset, and whether it is one that signs in with its signature instead."""
        draft, kind = ctx.draft, ctx.draft.kind or AccountKind.CITIZEN
        account = await self._accounts.find(kind, draft.person.id_number or "")
        if account is None or account.phone is None or account.phone != draft.person.phone:
            return None, False
        # a SIM or USB account signs in with its signature: a code to its phone must not
        # give it a password (a level 3 account weakened)
        if account.password_hash is None:
            return None, True
        return account.id, False

    async def _issue(
        self, ctx: StepContext, *, resend: bool = False, signature_account: bool = False
    ) -> Outcome:
        """A code goes out only to a matching account's phone; otherwise one is made and
        dropped, so that the dialog (resend timing, tries) behaves the same, and the phone
        of an account that signs in with its signature is told so instead. The SMS leaves
        after the reply: waiting for the gateway, or failing with it, would tell the paths
        apart (the person can resend in a minute)."""
        phone = ctx.draft.person.phone or ""
        if ctx.draft.account_id is not None:
            return await self._codes.send(
                ctx, phone, sms_key="forgot.sms", resend=resend, after_reply=True
            )
        outcome = await self._codes.send(ctx, phone, deliver=False, resend=resend)
        if signature_account and outcome.exit != STAY:
            self._notifier.send_after_reply(phone, msg("forgot.sms_signature"), ctx.lang)
        return outcome

    @act(Exit.OK, Exit.STOPPED)
    async def request_code(self, ctx: StepContext, _: Any) -> Outcome:
        draft = ctx.draft
        draft.account_id, signature_account = await self._match(ctx)
        spent, wait = await self._spend_request(ctx, sends=signature_account)
        if wait:
            return self._stopped(ctx, wait)
        draft.otp = None  # a new request starts a new code
        issued = await self._issue(ctx, signature_account=signature_account)
        if issued.exit == STAY:  # the phone's hourly codes, matched or not: none went
            await self._limits.give_back(spent)  # so none counts, nor does the request
            return Outcome(Exit.STOPPED, issued.notice)
        phone = mask_phone(draft.person.phone or "")
        return Outcome(notice=msg("forgot.code_maybe_sent", phone=phone))

    @act()
    async def resend(self, ctx: StepContext, _: Any) -> Outcome:
        # looked up again whether or not one matched: the same work (and time) either way
        _, signature = await self._match(ctx)
        signature_account = signature and ctx.draft.account_id is None
        spent, wait = await self._spend_request(ctx, sends=signature_account)
        if wait:
            return Outcome.stay(self._stopped(ctx, wait).notice)
        outcome = await self._issue(ctx, resend=True, signature_account=signature_account)
        if outcome.exit == STAY:  # too soon, or no more resends: nothing was issued
            await self._limits.give_back(spent)
            return outcome
        phone = mask_phone(ctx.draft.otp.phone if ctx.draft.otp else "")
        return Outcome.stay(msg("forgot.code_maybe_sent", phone=phone))

    @act(Exit.OK)
    async def check(self, ctx: StepContext, code: Any) -> Outcome:
        return await self._codes.check(ctx, code, genuine=ctx.draft.account_id is not None)

    @act(Exit.OK, Exit.STOPPED)
    async def set_password(self, ctx: StepContext, _: Any) -> Outcome:
        account_id, password_hash = ctx.draft.account_id, ctx.draft.password_hash
        if account_id is None or password_hash is None:  # unreachable: no code verified
            return Outcome(Exit.STOPPED, msg("forgot.code_maybe_sent", phone=""))
        await self._accounts.set_password(account_id, password_hash)
        # the account's phone hears of it, whoever reset it (no code, no password in it;
        # the phone shows when it arrived)
        phone = ctx.draft.person.phone or ""
        self._notifier.send_after_reply(phone, msg("forgot.reset_sms"), ctx.lang)
        return Outcome()

    def dialog(self) -> Dialog:
        return Dialog(
            name="forgot",
            steps=self.steps(),
            methods=(
                Method(Exit.FORGOT, msg("common.choice_forgot_password"), kinds=(), entry=S.KIND),
            ),
        )

    def steps(self) -> tuple[Step, ...]:
        return (
            Step(
                S.KIND,
                msg("forgot.kind_prompt"),
                msg("forgot.kind_help"),
                choices=(
                    Choice(
                        AccountKind.CITIZEN,
                        msg("forgot.kind_citizen"),
                        act=_choose(AccountKind.CITIZEN),
                    ),
                    Choice(
                        AccountKind.BUSINESS,
                        msg("forgot.kind_business"),
                        act=_choose(AccountKind.BUSINESS),
                    ),
                    Choice(AccountKind.OFFICIAL, msg("forgot.kind_official")),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={
                    AccountKind.CITIZEN: S.ID_NUMBER,
                    AccountKind.BUSINESS: S.TAX_CODE,
                    AccountKind.OFFICIAL: S.OFFICIAL,
                    **AWAY,
                },
            ),
            ways_out_step(S.OFFICIAL, msg("forgot.official"), msg("forgot.official_help")),
            Step(
                S.ID_NUMBER,
                msg("forgot.id_number_prompt"),
                msg("forgot.id_number_help"),
                parse=lambda text, ctx: parse_citizen_id(text).number,
                field="id_number",
                show_value=mask_id,
                next={Exit.OK: S.PHONE},
            ),
            Step(
                S.TAX_CODE,
                msg("forgot.tax_code_prompt"),
                msg("forgot.tax_code_help"),
                parse=lambda text, ctx: parse_tax_code(text),
                field="id_number",
                show_value=mask_id,
                next={Exit.OK: S.PHONE},
            ),
            Step(
                S.PHONE,
                msg("forgot.phone_prompt"),
                msg("forgot.phone_help"),
                parse=lambda text, ctx: parse_phone(text),
                act=self.request_code,
                field="phone",
                show_value=mask_phone,
                next={Exit.OK: S.OTP, Exit.STOPPED: S.STOPPED},
                phone=True,
            ),
            self._codes.step(
                S.OTP,
                next_ok=S.PASSWORD,
                prompt_key="forgot.otp_prompt",
                resend=self.resend,
                check=self.check,
                ways_out=True,
            ),
            *password_steps(
                (S.PASSWORD, S.PASSWORD_CONFIRM, S.PASSWORD_STOPPED),
                self._hashing,
                self.set_password,
                {Exit.OK: S.DONE, Exit.STOPPED: S.STOPPED},
                too_many=msg("forgot.password_too_many", tries=PASSWORD_ATTEMPTS),
                again=(
                    Choice(Exit.FORGOT, msg("forgot.choice_again")),
                    S.KIND,
                    msg("forgot.password_too_many_help"),
                ),
            ),
            ways_out_step(S.STOPPED, msg("forgot.stopped_prompt"), msg("forgot.stopped_help")),
            Step(S.DONE, msg("forgot.done"), msg("forgot.done"), end=True),
        )
