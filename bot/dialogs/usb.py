"""Registration by USB token (guide §1.4): citizens and businesses; and civil servants with
a Government CA token ("Cơ quan nhà nước", §1.4 last part). Level 3.

regbot gives a one-time link to open on the computer with the token; the page has the
signing plugin sign a challenge and posts it back (`bot.bridge.web`). The dialog then
continues by itself where the channel can push, or when the person says they signed.
"""

from __future__ import annotations

from typing import Any, Final

from bot.bridge import LinkState
from bot.bridge.links import LINK_LIFETIME
from bot.bridge.web import CHECK_CHOICE
from bot.dialogs.certified import accept_identity, certified_steps, refusal_message, signing
from bot.dialogs.common import HOME_CHOICE, OTHER_WAYS_CHOICE, CommonStep
from bot.dialogs.fields import caller_mobile
from bot.dialogs.limits import HOUR, Limit, give_back, local_time, spend, subject_key
from bot.dialogs.spec import STAY, Choice, Dialog, Method, Outcome, Step, StepContext
from bot.i18n import Msg, msg
from bot.validation import mask_phone

LINK_ID: Final = "link_id"
LINK_URL: Final = "link_url"
LINK_SMS: Final = "link_sms"  # dialog data: how many links this dialog sent by SMS
# Links by SMS ring a phone like codes do: limited per phone (any dialog) and per dialog.
LINK_SMS_PER_PHONE: Final = Limit("usb_link_sms", allowed=5, window_seconds=HOUR)
LINK_SMS_PER_DIALOG: Final = 3
WAYS_OUT: Final = {"other_ways": CommonStep.OTHER_WAYS, "home": "start.who"}


def _issue_link(prefix: str, trigger: str) -> Any:
    async def issue(ctx: StepContext, _: Any) -> Outcome:
        ports = signing(ctx)
        if ctx.data.get(LINK_ID):  # "a new link": the old one must not stay usable
            await ports.links.withdraw(str(ctx.data[LINK_ID]))
        kind = "official" if prefix == "official" else str(ctx.data.get("kind", "citizen"))
        token, link_id = await ports.links.issue(
            ctx.channel, ctx.user_id, ctx.lang, kind, wait_step=f"{prefix}.wait"
        )
        ctx.data[LINK_ID], ctx.data[LINK_URL] = link_id, ports.link_url(token)
        return Outcome(trigger)

    return issue


async def _check_link(ctx: StepContext, _: Any) -> Outcome:
    """Did the signature arrive on the link? Accepted, refused, expired, or not yet."""
    ports, link_id = signing(ctx), ctx.data.get(LINK_ID)
    record = await ports.links.by_id(str(link_id)) if link_id else None
    if record is None:
        return Outcome("failed", msg("signing.link_expired"))
    if record.state is LinkState.ISSUED:
        if record.expired(ports.links.clock()):
            return Outcome("failed", msg("signing.link_expired"))
        return Outcome(STAY, msg("signing.usb_not_yet"))
    ctx.data.pop(LINK_ID, None)
    ctx.data.pop(LINK_URL, None)
    if record.state is LinkState.REFUSED:
        return Outcome("failed", refusal_message(record.reason or "bad_signature"))
    return await accept_identity(ctx, dict(record.identity))


async def _sms_link(ctx: StepContext, _: Any) -> Outcome:
    """Over USSD the link cannot be clicked: send it by SMS to the caller's phone."""
    phone = caller_mobile(ctx)
    if phone is None:  # a caller from abroad: no SMS from here, the link is on the screen
        return Outcome(STAY, msg("signing.usb_link_no_sms"))
    sent = int(ctx.data.get(LINK_SMS, 0))
    if sent >= LINK_SMS_PER_DIALOG:
        return Outcome(STAY, msg("signing.usb_link_sms_limit"))
    per_phone = subject_key(ctx, LINK_SMS_PER_PHONE, "phone", phone)
    if wait := await spend(ctx, LINK_SMS_PER_PHONE, per_phone):
        until = local_time(ctx.now, wait)
        return Outcome(STAY, msg("signing.usb_link_sms_phone_limit", until=until))
    text = ctx.services.translator.render(
        msg("signing.usb_link_sms", url=ctx.data.get(LINK_URL, ""), minutes=LINK_LIFETIME // 60),
        ctx.lang,
    )
    try:
        await ctx.services.sms.send(phone, text)
    except BaseException:
        await give_back(ctx, [per_phone])  # nothing left: not counted
        raise
    ctx.data[LINK_SMS] = sent + 1
    return Outcome(STAY, msg("signing.usb_link_sent", phone=mask_phone(phone)))


def _wait_choices(prefix: str) -> Any:
    def choices(ctx: StepContext) -> tuple[Choice, ...]:
        sms = (Choice("sms", msg("signing.choice_sms_link"), act=_sms_link),) if ctx.caller else ()
        return (
            Choice(CHECK_CHOICE, msg("signing.choice_usb_check"), act=_check_link),
            *sms,
            Choice("new_link", msg("signing.choice_new_link"), act=_issue_link(prefix, "new")),
            OTHER_WAYS_CHOICE,
            HOME_CHOICE,
        )

    return choices


def _wait_prompt(ctx: StepContext) -> tuple[Msg, ...]:
    return (
        msg("signing.usb_link", url=ctx.data.get(LINK_URL, ""), minutes=LINK_LIFETIME // 60),
        msg("signing.usb_wait_hint"),
    )


def usb_steps(prefix: str) -> tuple[Step, ...]:
    """The token steps under `prefix` ("usb", or "official" for the Government CA)."""
    intro, wait, failed = f"{prefix}.intro", f"{prefix}.wait", f"{prefix}.failed"
    new_link = Choice("new_link", msg("signing.choice_new_link"), act=_issue_link(prefix, "new"))
    return (
        Step(
            intro,
            msg(f"signing.{prefix}_intro"),
            msg(f"signing.{prefix}_intro_help"),
            choices=(
                Choice("get_link", msg("signing.choice_get_link"), act=_issue_link(prefix, "ok")),
                OTHER_WAYS_CHOICE,
                HOME_CHOICE,
            ),
            next={"ok": wait, **WAYS_OUT},
        ),
        Step(
            wait,
            _wait_prompt,
            msg("signing.usb_wait_help"),
            choices=_wait_choices(prefix),
            next={
                "ok": f"{prefix}.email",
                "failed": failed,
                "new": wait,
                "duplicate": CommonStep.DUPLICATE,
                **WAYS_OUT,
            },
        ),
        Step(
            failed,
            msg("signing.usb_failed_prompt"),
            msg("signing.usb_wait_help"),
            choices=(new_link, OTHER_WAYS_CHOICE, HOME_CHOICE),
            next={"new": wait, **WAYS_OUT},
        ),
        *certified_steps(prefix, "usb"),
    )


DIALOG = Dialog(
    name="usb",
    steps=(*usb_steps("usb"), *usb_steps("official")),
    methods=(
        Method("usb", msg("method.usb"), kinds=("citizen", "business"), entry="usb.intro"),
        Method(
            "official_usb", msg("method.official_usb"), kinds=("official",), entry="official.intro"
        ),
    ),
)
