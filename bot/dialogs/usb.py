"""Registration by USB token (guide §1.4): citizens and businesses; and civil servants with
a Government CA token ("Cơ quan nhà nước", §1.4 last part). Level 3.

regbot gives a one-time link to open on the computer with the token; the page has the
signing plugin sign a challenge and posts it back (`bot.web.signing`). The dialog then
continues by itself where the channel can push, or when the person says they signed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind, RegistrationMethod
from bot.dialogs.certified import CertifiedSteps, refusal_message
from bot.dialogs.common import AWAY, HOME_CHOICE, OTHER_WAYS_CHOICE, CommonStep
from bot.dialogs.exits import Exit
from bot.dialogs.fields import caller_mobile
from bot.dialogs.limits import HOUR, Limit, Limits, local_time
from bot.dialogs.ports import Notifier
from bot.engine.spec import Act, Choice, Dialog, Method, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.signing.links import LinkState
from bot.signing.ports import Signing, identity_of
from bot.state.links import LINK_LIFETIME
from bot.validation import mask_phone

# Links by SMS ring a phone like codes do: limited per phone (any dialog) and per dialog.
LINK_SMS_PER_PHONE: Final = Limit("usb_link_sms", allowed=5, window_seconds=HOUR)
LINK_SMS_PER_DIALOG: Final = 3


class UsbStep(StrEnum):
    INTRO = "usb.intro"
    WAIT = "usb.wait"
    FAILED = "usb.failed"
    EMAIL = "usb.email"
    SUMMARY = "usb.summary"
    DONE = "usb.done"


class OfficialStep(StrEnum):
    """The same steps for civil servants, whose certificates chain to the Government CA."""

    INTRO = "official.intro"
    WAIT = "official.wait"
    FAILED = "official.failed"
    EMAIL = "official.email"
    SUMMARY = "official.summary"
    DONE = "official.done"


Names = type[UsbStep] | type[OfficialStep]


def _wait_prompt(ctx: StepContext) -> tuple[Msg, ...]:
    return (
        msg(
            "signing.usb_link",
            url=ctx.draft.signature.link_url or "",
            minutes=LINK_LIFETIME // 60,
        ),
        msg("signing.usb_wait_hint"),
    )


class Usb:
    """The dialog, given the ports it uses."""

    def __init__(
        self, signing: Signing, notifier: Notifier, limits: Limits, certified: CertifiedSteps
    ) -> None:
        self._signing = signing
        self._notifier = notifier
        self._limits = limits
        self._certified = certified

    def _issue_link(self, names: Names, exit: Exit) -> Act:
        @act(exit)
        async def issue_link(ctx: StepContext, _: Any) -> Outcome:
            links, signature = self._signing.links, ctx.draft.signature
            if signature.link_id:  # "a new link": the old one must not stay usable
                await links.withdraw(signature.link_id)
            official = names is OfficialStep
            kind = AccountKind.OFFICIAL if official else (ctx.draft.kind or AccountKind.CITIZEN)
            token, link_id = await links.issue(
                ctx.channel, ctx.user_id, ctx.lang, kind, wait_step=names.WAIT
            )
            signature.link_id, signature.link_url = link_id, self._signing.link_url(token)
            return Outcome(exit)

        return issue_link

    @act(Exit.OK, Exit.FAILED, Exit.DUPLICATE)
    async def check_link(self, ctx: StepContext, _: Any) -> Outcome:
        """Did the signature arrive on the link? Accepted, refused, expired, or not yet."""
        links, signature = self._signing.links, ctx.draft.signature
        record = await links.by_id(signature.link_id) if signature.link_id else None
        if record is None:
            return Outcome(Exit.FAILED, msg("signing.link_expired"))
        if record.state is LinkState.ISSUED:
            if record.expired(links.clock()):
                return Outcome(Exit.FAILED, msg("signing.link_expired"))
            return Outcome.stay(msg("signing.usb_not_yet"))
        if record.state is LinkState.REFUSED:
            signature.link_id = signature.link_url = None
            return Outcome(Exit.FAILED, refusal_message(record.reason or "bad_signature"))
        # a database that fails the duplicate check raises "try again", the link kept: the
        # person checks again and goes on from the signature they made
        accepted = await self._certified.accept(ctx, identity_of(record.identity), record.proof)
        signature.link_id = signature.link_url = None
        return accepted

    @act()
    async def sms_link(self, ctx: StepContext, _: Any) -> Outcome:
        """Over USSD the link cannot be clicked: send it by SMS to the caller's phone."""
        phone = caller_mobile(ctx)
        if phone is None:  # a caller from abroad: no SMS from here, the link is on the screen
            return Outcome.stay(msg("signing.usb_link_no_sms"))
        signature = ctx.draft.signature
        if signature.link_sms >= LINK_SMS_PER_DIALOG:
            return Outcome.stay(msg("signing.usb_link_sms_limit"))
        if wait := await self._limits.spend(LINK_SMS_PER_PHONE, "phone", phone):
            until = local_time(ctx.now, wait)
            return Outcome.stay(msg("signing.usb_link_sms_phone_limit", until=until))
        text = msg(
            "signing.usb_link_sms",
            url=signature.link_url or "",
            minutes=LINK_LIFETIME // 60,
        )
        try:
            await self._notifier.send(phone, text, ctx.lang)
        except BaseException:  # nothing left: not counted
            await self._limits.give_back([self._limits.key(LINK_SMS_PER_PHONE, "phone", phone)])
            raise
        signature.link_sms += 1
        return Outcome.stay(msg("signing.usb_link_sent", phone=mask_phone(phone)))

    def dialog(self) -> Dialog:
        return Dialog(
            name=RegistrationMethod.USB,
            steps=(*self.steps(UsbStep), *self.steps(OfficialStep)),
            methods=(
                Method(
                    RegistrationMethod.USB,
                    msg("method.usb"),
                    kinds=(AccountKind.CITIZEN, AccountKind.BUSINESS),
                    entry=UsbStep.INTRO,
                ),
                Method(
                    "official_usb",
                    msg("method.official_usb"),
                    kinds=(AccountKind.OFFICIAL,),
                    entry=OfficialStep.INTRO,
                ),
            ),
        )

    def steps(self, names: Names) -> tuple[Step, ...]:
        """The token steps, for citizens and businesses or for civil servants."""
        prefix = "official" if names is OfficialStep else "usb"
        new_link = Choice(
            Exit.NEW_LINK, msg("signing.choice_new_link"), act=self._issue_link(names, Exit.NEW)
        )
        return (
            Step(
                names.INTRO,
                msg(f"signing.{prefix}_intro"),
                msg(f"signing.{prefix}_intro_help"),
                choices=(
                    Choice(
                        Exit.GET_LINK,
                        msg("signing.choice_get_link"),
                        act=self._issue_link(names, Exit.OK),
                    ),
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                next={Exit.OK: names.WAIT, **AWAY},
            ),
            Step(
                names.WAIT,
                _wait_prompt,
                msg("signing.usb_wait_help"),
                choices=(
                    Choice(Exit.CHECK, msg("signing.choice_usb_check"), act=self.check_link),
                    Choice(
                        Exit.SMS,
                        msg("signing.choice_sms_link"),
                        act=self.sms_link,
                        when=lambda ctx: ctx.caller is not None,  # on a call: no link to open
                    ),
                    new_link,
                    OTHER_WAYS_CHOICE,
                    HOME_CHOICE,
                ),
                on_resume=self.check_link,
                next={
                    Exit.OK: names.EMAIL,
                    Exit.FAILED: names.FAILED,
                    Exit.NEW: names.WAIT,
                    Exit.DUPLICATE: CommonStep.DUPLICATE,
                    **AWAY,
                },
            ),
            Step(
                names.FAILED,
                msg("signing.usb_failed_prompt"),
                msg("signing.usb_wait_help"),
                choices=(new_link, OTHER_WAYS_CHOICE, HOME_CHOICE),
                next={Exit.NEW: names.WAIT, **AWAY},
            ),
            *self._certified.steps(
                (names.EMAIL, names.SUMMARY, names.DONE), RegistrationMethod.USB
            ),
        )
