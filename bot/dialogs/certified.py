"""Steps after a verified digital signature (SIM or USB token): what the certificate says,
email (required for a business), "Đăng ký" -> account at level 3. No password step."""

from __future__ import annotations

from typing import Any, Final

from bot.accounts.model import AccountKind, IdType, NewAccount
from bot.bridge import Signing
from bot.dialogs.common import (
    HOME_CHOICE,
    CommonStep,
    create_account,
    notify_by_sms,
    optional_email,
    show_date,
)
from bot.dialogs.fields import caller_mobile
from bot.dialogs.spec import OK, SKIP, Choice, Outcome, Step, StepContext
from bot.i18n import Msg, msg
from bot.validation import mask_id, parse_email

CERTIFIED: Final = "certified"  # dialog data: the identity the certificate vouches for
LEVEL: Final = 3


def signing(ctx: StepContext) -> Signing:
    """The signing ports; absent only if the app was wired without them (a bug)."""
    ports = ctx.services.signing
    if ports is None:
        raise RuntimeError("signing services are not wired")
    return ports


async def accept_identity(ctx: StepContext, fields: dict[str, Any]) -> Outcome:
    """The signature is verified: the duplicate check comes now, before the person types
    an email and presses "Đăng ký" for nothing."""
    ctx.data[CERTIFIED] = fields
    if await ctx.services.accounts.exists(AccountKind(fields["kind"]), fields["id_number"]):
        return Outcome("duplicate")
    return Outcome(notice=msg("signing.signature_accepted"))


def refusal_message(reason: str) -> Msg:
    """The message for a refusal recorded by reason (pki catalog, or ours)."""
    if reason.startswith("kind_mismatch_"):
        return msg(f"signing.{reason}")
    if reason == "revocation_unavailable":
        return msg("pki.revocation_unavailable")
    return msg(f"pki.refused.{reason}")


def _email_required(ctx: StepContext) -> bool:
    return ctx.data.get("kind") != "citizen"


def _email_prompt(ctx: StepContext) -> Msg:
    return msg("signing.email_required" if _email_required(ctx) else "signing.email_optional")


def _email_choices(ctx: StepContext) -> tuple[Choice, ...]:
    return () if _email_required(ctx) else (Choice(SKIP, msg("engine.skip")),)


def _certified(ctx: StepContext) -> dict[str, Any]:
    """The accepted identity (prompts never fail: a screen preview may come without one)."""
    return dict(ctx.data.get(CERTIFIED) or {})


def _summary(ctx: StepContext) -> Msg:
    who = _certified(ctx)
    agency = who.get("agency") if who.get("kind") == "official" else None
    not_after = who.get("not_after")
    business = who.get("kind") == "business"
    return msg(
        "signing.summary",
        name_label=msg("signing.name_business" if business else "signing.name_person"),
        name=who.get("name", ""),
        id_type=msg(f"id_type.{who.get('id_type', 'CCCD')}"),
        id_number=mask_id(who.get("id_number", "")),
        agency=msg("signing.summary_agency", agency=agency) if agency else "",
        issuer=who.get("issuer", ""),
        not_after=show_date(not_after) if not_after else "",
        email=optional_email(ctx.data),
    )


def _finish(method: str) -> Any:
    async def create(ctx: StepContext, _: Any) -> Outcome:
        who = ctx.data[CERTIFIED]
        kind = AccountKind(who["kind"])
        account = NewAccount(
            kind=kind,
            id_type=IdType(who["id_type"]),
            id_number=who["id_number"],
            full_name=who["name"],
            verification_level=LEVEL,
            method=method,
            phone=ctx.data.get("phone"),
            email=ctx.data.get("email"),
            agency=who.get("agency") if kind is AccountKind.OFFICIAL else None,
        )
        outcome = await create_account(ctx, account)
        phone = ctx.data.get("phone") or caller_mobile(ctx)  # the SIM's, or who dialled
        if outcome.trigger == OK and phone:
            sms = msg(
                "signing.registered_sms",
                id_number=mask_id(account.id_number),
                method=msg(f"signing.sms_method_{method}"),
            )
            notify_by_sms(ctx, str(phone), sms, "a level-3 registration notice")
        return outcome

    return create


def certified_steps(prefix: str, method: str) -> tuple[Step, ...]:
    """`{prefix}.email` (entered once the signature is accepted), summary, done."""
    email, summary, done = f"{prefix}.email", f"{prefix}.summary", f"{prefix}.done"
    return (
        Step(
            email,
            _email_prompt,
            msg("signing.email_help"),
            choices=_email_choices,
            parse=lambda text, ctx: parse_email(text),
            field="email",
            next={"ok": summary},
            checkpoint=True,  # the signature is spent: "back" cannot return to it
        ),
        Step(
            summary,
            _summary,
            msg("signing.summary_help"),
            choices=(
                Choice("register", msg("signing.choice_register"), act=_finish(method)),
                Choice("change_email", msg("signing.choice_change_email")),
                HOME_CHOICE,
            ),
            next={
                "ok": done,
                "change_email": email,
                "duplicate": CommonStep.DUPLICATE,
                "home": "start.who",
            },
        ),
        Step(
            done,
            lambda ctx: msg(
                "signing.done",
                id_number=mask_id(_certified(ctx).get("id_number", "")),
                method=msg(f"signing.done_method_{method}"),
                level=LEVEL,
            ),
            msg("signing.done_help"),
            end=True,
        ),
    )
