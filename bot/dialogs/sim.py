"""Registration by signing SIM (guide §1.3): citizens and businesses, level 3.

The SIM's phone number -> regbot sends a signature request over a registration statement
and shows the 4-digit code the phone must show -> the person confirms with the PIN ->
the signature and certificate are checked -> certificate information, email -> account.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any, Final

from bot.accounts.evidence import SignatureFormat, SignatureProof
from bot.accounts.model import AccountKind, RegistrationMethod
from bot.dialogs.certified import CertifiedSteps
from bot.dialogs.common import AWAY, HOME_CHOICE, OTHER_WAYS_CHOICE, CommonStep
from bot.dialogs.exits import Exit
from bot.dialogs.fields import caller_mobile, use_own_phone_choice
from bot.dialogs.limits import HOUR, Limit, Limits, local_time
from bot.engine.spec import Choice, Dialog, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.signing.ports import Signing, kind_refusal, signed_identity
from bot.validation import mask_phone, parse_phone
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from pki_bridge.mssp import (
    MsspResult,
    SignatureOutcome,
    await_result,
    registration_statement,
    statement_hash,
    verification_code,
    verify_outcome,
)
from pki_bridge.refusals import CertificateRefused, RevocationUnavailable
from pki_bridge.statement import SERVICE


class S(StrEnum):
    PHONE = "sim.phone"
    WAIT = "sim.wait"
    FAILED = "sim.failed"
    EMAIL = "sim.email"
    SUMMARY = "sim.summary"
    DONE = "sim.done"


# Signature requests ring a phone and need no proof of who asks: limited per phone (any
# dialog) and per dialog, as codes by SMS are.
REQUESTS_PER_PHONE: Final = Limit("sim_phone", allowed=5, window_seconds=HOUR)
REQUESTS_PER_DIALOG: Final = 4  # the first and three resends


def _calling_from_the_sim(ctx: StepContext) -> bool:
    """The person calls (USSD) from the phone whose SIM must confirm, and has not asked
    since the request went out: the SIM cannot show the request while the call holds the
    line, so they are asked to hang up, confirm, and call again."""
    phone = ctx.draft.person.phone
    return phone is not None and caller_mobile(ctx) == phone and not ctx.draft.signature.sim_checked


def _wait_prompt(ctx: StepContext) -> tuple[Msg, ...]:
    signature = ctx.draft.signature
    phone = mask_phone(ctx.draft.person.phone or "")
    if _calling_from_the_sim(ctx):
        return (msg("signing.sim_hang_up", code=signature.sim_code or "", phone=phone),)
    return (
        msg("pki.mssp.confirm_on_phone", code=signature.sim_code or ""),
        msg("signing.sim_wait_hint", phone=phone),
    )


class Sim:
    """The dialog, given the ports it uses."""

    def __init__(self, signing: Signing, limits: Limits, certified: CertifiedSteps) -> None:
        self._signing = signing
        self._limits = limits
        self._certified = certified

    async def _send_request(self, ctx: StepContext, phone: str) -> Outcome:
        """Ask the SIM to sign a fresh statement; a pushing channel also waits in background."""
        signature = ctx.draft.signature
        if signature.sim_requests >= REQUESTS_PER_DIALOG:
            return Outcome.stay(msg("signing.sim_request_limit"))
        # spent before the phone rings (one step: parallel requests cannot all pass)
        if wait := await self._limits.spend(REQUESTS_PER_PHONE, "phone", phone):
            return Outcome.stay(msg("signing.sim_phone_limit", until=local_time(ctx.now, wait)))
        statement = registration_statement(SERVICE, phone, secrets.token_urlsafe(16), ctx.now)
        digest = statement_hash(statement)
        code = verification_code(digest)
        spent = [self._limits.key(REQUESTS_PER_PHONE, "phone", phone)]
        try:
            session_id = await self._signing.mssp.start(
                phone, digest, self._signing.display_text(code, ctx.lang)
            )
        except IntegrationRejected:
            await self._limits.give_back(spent)  # no request reached the phone
            return Outcome.stay(msg("pki.mssp.unavailable"))
        except BaseException:
            await self._limits.give_back(spent)
            raise
        signature.sim_requests += 1
        if await self._not_a_signing_sim(session_id):  # say so now, not after "I confirmed"
            return Outcome.stay(msg("pki.mssp.not_a_signing_sim"))
        ctx.draft.person.phone = phone
        signature.sim_session = session_id
        signature.statement = statement.decode()
        signature.sim_code = code
        signature.sim_started = ctx.epoch
        signature.sim_checked = False
        events = self._signing.events
        if events.can_push(ctx.channel):
            events.spawn(self._wait_in_background(ctx.channel, ctx.user_id, session_id))
        return Outcome()

    async def _not_a_signing_sim(self, session_id: str) -> bool:
        """The service knows at once when the number has no signing SIM: one look."""
        try:
            outcome = await self._signing.mssp.poll(session_id)
        except (IntegrationUnavailable, IntegrationRejected):
            return False  # the request stands; "check" will tell
        return outcome is not None and outcome.result is MsspResult.NOT_A_SIGNING_SIM

    async def _wait_in_background(self, channel: str, user_id: str, session: str) -> None:
        """Continue by itself once the phone answers (channels that can push)."""
        signing = self._signing
        await await_result(
            signing.mssp,
            session,
            total_timeout=signing.mssp_timeout,
            interval=signing.mssp_poll_interval,
        )
        signing.events.arrived(channel, user_id, S.WAIT)

    @act(Exit.OK)
    async def start(self, ctx: StepContext, phone: Any) -> Outcome:
        return await self._send_request(ctx, str(phone))

    @act(Exit.RESENT)
    async def resend(self, ctx: StepContext, _: Any) -> Outcome:
        outcome = await self._send_request(ctx, ctx.draft.person.phone or "")
        return (
            outcome if outcome.exit != Exit.OK else Outcome(Exit.RESENT, msg("signing.sim_resent"))
        )

    @act(Exit.OK, Exit.FAILED, Exit.DUPLICATE)
    async def check(self, ctx: StepContext, _: Any) -> Outcome:
        """Has the phone answered? Poll once; verify a signature over exactly our statement."""
        signature = ctx.draft.signature
        signature.sim_checked = True
        session = signature.sim_session
        if session is None:
            return Outcome(Exit.FAILED, msg("pki.mssp.timeout"))
        try:
            outcome = await self._signing.mssp.poll(session)
        except (IntegrationUnavailable, IntegrationRejected):
            return Outcome.stay(msg("pki.mssp.unavailable"))
        if outcome is None:
            if ctx.epoch - (signature.sim_started or 0.0) < self._signing.mssp_timeout:
                return Outcome.stay(msg("signing.sim_not_yet", code=signature.sim_code or ""))
            outcome = SignatureOutcome(MsspResult.TIMEOUT)
        if not outcome.ok or outcome.signature is None or outcome.certificate is None:
            signature.sim_session = None
            failed = outcome.message if not outcome.ok else msg("pki.mssp.unavailable")
            return Outcome(Exit.FAILED, failed)
        statement = (signature.statement or "").encode()
        try:  # the signature must be over exactly the statement we issued
            digest = statement_hash(statement)
            verified = await verify_outcome(outcome, digest, self._signing.public)
        except RevocationUnavailable as unavailable:  # the CA, not the signature: try again
            return Outcome.stay(unavailable.message)  # with the session: no second request
        except CertificateRefused as refused:
            signature.sim_session = None
            return Outcome(Exit.FAILED, refused.message)
        mismatch = kind_refusal(ctx.draft.kind or AccountKind.CITIZEN, verified.identity)
        if mismatch is not None:
            signature.sim_session = None
            return Outcome(Exit.FAILED, mismatch)
        proof = SignatureProof(
            statement, SignatureFormat.RAW_DIGEST, outcome.signature, verified.evidence
        )
        # a store or database that fails here raises "try again", the session kept: the
        # person checks again and goes on from the signature they made
        name = await self._signing.proofs.keep(proof)
        accepted = await self._certified.accept(ctx, signed_identity(verified.identity), name)
        signature.sim_session = None
        return accepted

    def dialog(self) -> Dialog:
        kinds = (AccountKind.CITIZEN, AccountKind.BUSINESS)
        return Dialog(
            name=RegistrationMethod.SIM,
            steps=self.steps(),
            methods=(
                Method(RegistrationMethod.SIM, msg("method.sim"), kinds=kinds, entry=S.PHONE),
            ),
        )

    def steps(self) -> tuple[Step, ...]:
        resend = Choice(Exit.RESEND, msg("signing.choice_sim_resend"), act=self.resend)
        other_phone = Choice(Exit.OTHER_PHONE, msg("signing.choice_other_phone"))
        return (
            Step(
                S.PHONE,
                msg("signing.sim_phone_prompt"),
                msg("signing.sim_phone_help"),
                choices=(use_own_phone_choice(self._send_request, Exit.OK),),
                parse=lambda text, ctx: parse_phone(text),
                field="phone",
                act=self.start,
                show_value=mask_phone,
                next={Exit.OK: S.WAIT},
                phone=True,
            ),
            Step(
                S.WAIT,
                _wait_prompt,
                msg("signing.sim_wait_help"),
                choices=(
                    Choice(Exit.CHECK, msg("signing.choice_sim_check"), act=self.check),
                    resend,
                    other_phone,
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                on_resume=self.check,
                release_line=_calling_from_the_sim,
                next={
                    Exit.OK: S.EMAIL,
                    Exit.FAILED: S.FAILED,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                    Exit.RESENT: S.WAIT,
                    Exit.OTHER_PHONE: S.PHONE,
                    **AWAY,
                },
            ),
            Step(
                S.FAILED,
                msg("signing.sim_failed_prompt"),
                msg("signing.sim_wait_help"),
                choices=(resend, other_phone, OTHER_WAYS_CHOICE, HOME_CHOICE),
                next={Exit.RESENT: S.WAIT, Exit.OTHER_PHONE: S.PHONE, **AWAY},
            ),
            *self._certified.steps((S.EMAIL, S.SUMMARY, S.DONE), RegistrationMethod.SIM),
        )
