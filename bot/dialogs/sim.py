"""Registration by signing SIM (guide §1.3): citizens and businesses, level 3.

The SIM's phone number -> regbot sends a signature request over a registration statement
and shows the 4-digit code the phone must show -> the person confirms with the PIN ->
the signature and certificate are checked -> certificate information, email -> account.
"""

from __future__ import annotations

import base64
import secrets
from enum import StrEnum
from typing import Any, Final

from bot.bridge import Signing
from bot.bridge.ports import identity_fields, kind_refusal
from bot.bridge.web import CHECK_CHOICE
from bot.dialogs.certified import accept_identity, certified_steps, signing
from bot.dialogs.common import HOME_CHOICE, OTHER_WAYS_CHOICE, CommonStep
from bot.dialogs.fields import use_caller_choice
from bot.dialogs.limits import HOUR, Limit, give_back, local_time, spend, subject_key
from bot.dialogs.spec import STAY, Choice, Dialog, Method, Outcome, Step, StepContext
from bot.i18n import Msg, msg
from bot.validation import mask_phone, parse_phone
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from pki_bridge import (
    CertificateRefused,
    MsspResult,
    RevocationUnavailable,
    SignatureOutcome,
    await_result,
    registration_statement,
    statement_hash,
    verification_code,
    verify_outcome,
)

SERVICE: Final = "dichvucong.gov.vn account registration"


class S(StrEnum):
    PHONE = "sim.phone"
    WAIT = "sim.wait"
    FAILED = "sim.failed"
    EMAIL = "sim.email"


# Signature requests ring a phone and need no proof of who asks: limited per phone (any
# dialog) and per dialog, as codes by SMS are.
REQUESTS_PER_PHONE: Final = Limit("sim_phone", allowed=5, window_seconds=HOUR)
REQUESTS_PER_DIALOG: Final = 4  # the first and three resends


async def _send_request(ctx: StepContext, phone: str) -> Outcome:
    """Ask the SIM to sign a fresh statement; a pushing channel also waits in background."""
    if int(ctx.data.get("sim_requests", 0)) >= REQUESTS_PER_DIALOG:
        return Outcome(STAY, msg("signing.sim_request_limit"))
    per_phone = subject_key(ctx, REQUESTS_PER_PHONE, "phone", phone)
    if wait := await spend(ctx, REQUESTS_PER_PHONE, per_phone):  # before the phone rings
        return Outcome(STAY, msg("signing.sim_phone_limit", until=local_time(ctx.now, wait)))
    ports = signing(ctx)
    digest = statement_hash(
        registration_statement(SERVICE, phone, secrets.token_urlsafe(16), ctx.now)
    )
    code = verification_code(digest)
    display = ctx.services.translator.render(msg("signing.sim_display_text", code=code), ctx.lang)
    try:
        session_id = await ports.mssp.start(phone, digest, display)
    except IntegrationRejected:
        await give_back(ctx, [per_phone])  # no request reached the phone
        return Outcome(STAY, msg("pki.mssp.unavailable"))
    except BaseException:
        await give_back(ctx, [per_phone])
        raise
    ctx.data["sim_requests"] = int(ctx.data.get("sim_requests", 0)) + 1
    if await _not_a_signing_sim(ports, session_id):  # say so now, not after "I confirmed"
        return Outcome(STAY, msg("pki.mssp.not_a_signing_sim"))
    ctx.data.update(
        phone=phone,
        sim_session=session_id,
        sim_hash=base64.b64encode(digest).decode(),
        sim_code=code,
        sim_started=ctx.services.epoch_seconds(),
    )
    if ports.events.can_push(ctx.channel):
        ports.events.spawn(_wait_in_background(ports, ctx.channel, ctx.user_id, session_id))
    return Outcome()


async def _not_a_signing_sim(ports: Signing, session_id: str) -> bool:
    """The service knows at once when the number has no signing SIM: one look."""
    try:
        outcome = await ports.mssp.poll(session_id)
    except (IntegrationUnavailable, IntegrationRejected):
        return False  # the request stands; "check" will tell
    return outcome is not None and outcome.result is MsspResult.NOT_A_SIGNING_SIM


async def _wait_in_background(ports: Signing, channel: str, user_id: str, session: str) -> None:
    """Continue by itself once the phone answers (channels that can push)."""
    await await_result(
        ports.mssp, session, total_timeout=ports.mssp_timeout, interval=ports.mssp_poll_interval
    )
    await ports.events.deliver(channel, user_id, CHECK_CHOICE, S.WAIT)


async def _start(ctx: StepContext, phone: Any) -> Outcome:
    return await _send_request(ctx, str(phone))


async def _resend(ctx: StepContext, _: Any) -> Outcome:
    outcome = await _send_request(ctx, str(ctx.data["phone"]))
    return outcome if outcome.trigger == STAY else Outcome("resent", msg("signing.sim_resent"))


async def _check(ctx: StepContext, _: Any) -> Outcome:
    """Has the phone answered? Poll once; verify a signature over exactly our statement."""
    ports, session = signing(ctx), ctx.data.get("sim_session")
    if session is None:
        return Outcome("failed", msg("pki.mssp.timeout"))
    try:
        outcome = await ports.mssp.poll(str(session))
    except (IntegrationUnavailable, IntegrationRejected):
        return Outcome(STAY, msg("pki.mssp.unavailable"))
    if outcome is None:
        if ctx.services.epoch_seconds() - float(ctx.data["sim_started"]) < ports.mssp_timeout:
            return Outcome(STAY, msg("signing.sim_not_yet", code=ctx.data["sim_code"]))
        outcome = SignatureOutcome(MsspResult.TIMEOUT)
    ctx.data.pop("sim_session", None)
    if not outcome.ok:
        return Outcome("failed", outcome.message)
    if outcome.signature is None or outcome.certificate is None:
        return Outcome("failed", msg("pki.mssp.unavailable"))
    try:  # the signature must be over exactly the statement we issued
        statement = base64.b64decode(ctx.data["sim_hash"])
        identity = await verify_outcome(outcome, statement, ports.public)
    except (CertificateRefused, RevocationUnavailable) as refused:
        return Outcome("failed", refused.message)
    mismatch = kind_refusal(ctx.data.get("kind", "citizen"), identity)
    if mismatch is not None:
        return Outcome("failed", mismatch)
    return await accept_identity(ctx, identity_fields(identity))


def _wait_prompt(ctx: StepContext) -> tuple[Msg, ...]:
    return (
        msg("pki.mssp.confirm_on_phone", code=ctx.data.get("sim_code", "")),
        msg("signing.sim_wait_hint", phone=mask_phone(str(ctx.data.get("phone", "")))),
    )


RESEND: Final = Choice("resend", msg("signing.choice_sim_resend"), act=_resend)
OTHER_PHONE: Final = Choice("other_phone", msg("signing.choice_other_phone"))
WAYS_OUT: Final = {"other_ways": CommonStep.OTHER_WAYS, "home": "start.who"}

STEPS = (
    Step(
        S.PHONE,
        msg("signing.sim_phone_prompt"),
        msg("signing.sim_phone_help"),
        choices=use_caller_choice(_send_request),
        parse=lambda text, ctx: parse_phone(text),
        field="phone",
        act=_start,
        show_value=mask_phone,
        next={"ok": S.WAIT},
    ),
    Step(
        S.WAIT,
        _wait_prompt,
        msg("signing.sim_wait_help"),
        choices=(
            Choice(CHECK_CHOICE, msg("signing.choice_sim_check"), act=_check),
            RESEND,
            OTHER_PHONE,
            OTHER_WAYS_CHOICE,
            HOME_CHOICE,
        ),
        next={
            "ok": S.EMAIL,
            "failed": S.FAILED,
            "duplicate": CommonStep.DUPLICATE,
            "resent": S.WAIT,
            "other_phone": S.PHONE,
            **WAYS_OUT,
        },
    ),
    Step(
        S.FAILED,
        msg("signing.sim_failed_prompt"),
        msg("signing.sim_wait_help"),
        choices=(RESEND, OTHER_PHONE, OTHER_WAYS_CHOICE, HOME_CHOICE),
        next={"resent": S.WAIT, "other_phone": S.PHONE, **WAYS_OUT},
    ),
    *certified_steps("sim", "sim"),
)

DIALOG = Dialog(
    name="sim",
    steps=STEPS,
    methods=(Method("sim", msg("method.sim"), kinds=("citizen", "business"), entry=S.PHONE),),
)
