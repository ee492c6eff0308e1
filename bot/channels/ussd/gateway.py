"""`POST /ussd`: one gateway request -> at most one dialog turn -> a `CON`/`END` screen."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Final

from aiohttp import web

from bot.channels.commands import UssdKey, read_ussd_key
from bot.channels.ussd.proof import CallerProof, Proof
from bot.channels.ussd.request import BadUssdRequest, UssdRequest, parse_form
from bot.channels.ussd.screen import (
    MORE,
    PAGE_LIMIT,
    as_shown,
    paginate,
    reply_pages,
    ussd_text,
)
from bot.channels.ussd.session import ChannelCodec, ChannelState, Delta, Mode, new_input
from bot.dialogs.draft import OtpState
from bot.engine import DialogEngine
from bot.engine.messages import Action, Inbound
from bot.engine.turn import Conversation
from bot.i18n import DEFAULT_LANGUAGE, Translator, to_ascii
from bot.keys import same_secret
from bot.state.store import StoreUnavailable
from bot.web.bodies import read_form

log = logging.getLogger("regbot.ussd")

CHANNEL: Final = "ussd"
MAX_SEEN: Final = 16  # earlier screens kept per session for late retries
MAX_LEFT: Final = 4  # network sessions left, remembered so their late requests stay out
FORGETTING: Final = (Action.CANCEL, Action.HOME)  # 97 deletes what was typed, 00 too
CONTINUE: Final = "1"
RESTART: Final = "2"
RESEND: Final = "1"  # on the screen that asks for the code proving the phone
SECRET_HEADER: Final = "X-USSD-Secret"


class UssdGateway:
    """Turns gateway requests into engine turns, keyed by the caller's number.

    The whole request runs under the caller's lock in the shared store, so a retry
    that reaches another worker waits and then finds the first one's screen.

    `phoneNumber` is the gateway's word only: a new network session that would resume a
    dialog holding personal data first types a code sent by SMS to that number (`proof`).
    """

    name = CHANNEL

    def __init__(
        self,
        engine: DialogEngine,
        translator: Translator,
        codec: ChannelCodec,
        proof: CallerProof,
        *,
        secret: str | None = None,
    ) -> None:
        self.engine = engine
        self.translator = translator
        self.secret = secret
        self._codec = codec
        self._proof = proof

    async def answer(self, request: UssdRequest) -> str:
        """The response body for one request: `CON <screen>` or `END <screen>`."""
        lang: str | None = None  # unknown until the caller's record is read
        try:
            # the dialog and this channel's screens are one record: one read, one write
            async with self.engine.conversation(CHANNEL, request.caller) as convo:
                state = self._codec.loads(convo.slot(CHANNEL))
                lang = state.lang if state else DEFAULT_LANGUAGE
                delta, text = new_input(self._codec, state, request.session_id, request.text)
                if state is not None and delta in (Delta.REPEAT, Delta.STALE):
                    return state.body()
                if state is not None and delta is Delta.LATE_RETRY:
                    digest = self._codec.digest(request.session_id, request.text)
                    return state.seen.get(digest, state.body())
                if delta is Delta.LEFT_SESSION:  # nothing moves: the new session goes on
                    return "END " + ussd_text(self.translator, "ussd.session_left", lang)
                after = await self._next(convo, state, delta, text, request)
                after.left = self._left(state, request)
                convo.set_slot(CHANNEL, self._codec.dumps(after))
                return after.body()
        except StoreUnavailable:
            log.warning("state store unavailable", extra={"channel": CHANNEL})
            if lang is None:  # the record, and the caller's language, could not be read
                return _in_both(self.translator, "engine.try_again_later")
            return "END " + ussd_text(self.translator, "engine.try_again_later", lang)

    async def _next(
        self,
        convo: Conversation,
        state: ChannelState | None,
        delta: Delta,
        text: str,
        request: UssdRequest,
    ) -> ChannelState:
        async def turn(action: Action, text: str = "") -> ChannelState:
            return await self._turn(convo, request, action, text, before=state)

        if state is None or delta is Delta.NEW_SESSION:
            lang = state.lang if state else DEFAULT_LANGUAGE
            if convo.unfinished() is not None:
                proof = state.proof if state else None  # a code already sent stays valid
                return self._resume(request, lang, notice=False, proof=proof)
            return await self._turn(convo, request, Action.SHOW, lang=lang)
        if delta is Delta.OUT_OF_STEP:  # the gateway lost track: show where we are
            return self._rebase(state, request)
        paged = self._paged(state, text, request)
        if paged is not None:
            return paged
        if state.mode == Mode.RESUME:
            if text == CONTINUE:
                return await self._continue(convo, state, request)
            if text in (RESTART, UssdKey.HOME):
                return await self._turn(convo, request, Action.HOME)
            return self._resume(request, state.lang, notice=True, before=state)
        if state.mode == Mode.PROVE:
            if text in (RESTART, UssdKey.HOME):
                return await self._turn(convo, request, Action.HOME)
            if read_ussd_key(text) is Action.CANCEL:  # as on every screen: cancel, delete
                return await self._turn(convo, request, Action.CANCEL)
            if text == RESEND:
                sent = await self._proof.send(request.caller, state.lang, state.proof, resend=True)
                return self._prove(request, state, sent)
            checked = await self._proof.check(request.caller, state.lang, state.proof, text)
            if checked.proven:  # a step that waits (a signature) looks again at once
                return await self._turn(convo, request, Action.RESUME)
            return self._prove(request, state, checked)
        if state.end:  # input after the end: a new conversation
            return await self._turn(convo, request, Action.SHOW, lang=state.lang)
        key = read_ussd_key(text)
        if key is not None:  # back, home, help, cancel
            return await turn(key)
        return await turn(Action.TEXT, text)

    def _paged(self, state: ChannelState, text: str, request: UssdRequest) -> ChannelState | None:
        """99 turns the page on every screen that has more (the code and the resume
        screens too), back to the first after the last; any input on an ending screen."""
        last_page = state.page >= len(state.pages) - 1
        if not last_page and (text == MORE or state.end):
            return self._rebase(replace(state, page=state.page + 1), request)
        if text == MORE and len(state.pages) > 1:
            return self._rebase(replace(state, page=0), request)
        return None

    def _left(self, before: ChannelState | None, request: UssdRequest) -> list[str]:
        """The sessions the caller has left, this request's predecessor among them when
        it starts a new one."""
        if before is None or before.session_id == request.session_id:
            return before.left if before else []
        return [*before.left, self._codec.session(before.session_id)][-MAX_LEFT:]

    async def _turn(
        self,
        convo: Conversation,
        request: UssdRequest,
        action: Action,
        text: str = "",
        before: ChannelState | None = None,
        lang: str | None = None,
    ) -> ChannelState:
        inbound = Inbound(
            CHANNEL,
            request.caller,
            text=text,
            action=action,
            caller=request.caller,
            lang=lang or (before.lang if before else None),  # a new dialog keeps the language
        )
        reply = as_shown(await convo.turn(inbound))
        # what was typed is deleted, or the dialog is over: so are the screens that showed it
        kept = before.seen if before and not (reply.end or action in FORGETTING) else {}
        state = ChannelState(
            session_id=request.session_id,
            text_length=0,
            text_digest=before.text_digest if before else "",
            pages=list(reply_pages(reply, self.translator)),
            end=reply.end,
            lang=reply.lang,
            seen=kept,
        )
        return self._rebase(state, request)

    async def _continue(
        self, convo: Conversation, state: ChannelState, request: UssdRequest
    ) -> ChannelState:
        """ "Continue where you left off": at once when the dialog holds nothing of the
        person's; otherwise only after the code sent to the caller's phone is typed."""
        unfinished = convo.unfinished()
        if unfinished is None or not unfinished.personal:  # a waiting step looks again
            return await self._turn(convo, request, Action.RESUME)
        sent = await self._proof.send(request.caller, state.lang, state.proof)
        return self._prove(request, state, sent)

    def _prove(self, request: UssdRequest, before: ChannelState, proof: Proof) -> ChannelState:
        """The screen asking for the code that proves the phone (or saying none can)."""

        def line(key: str, **params: object) -> str:
            return ussd_text(self.translator, key, before.lang, **params)

        notice = proof.notice
        lines = [to_ascii(self.translator.render(notice, before.lang, "ussd"))] if notice else []
        menu = [f"{RESTART} {line('ussd.resume_restart')}"]
        if proof.phone is not None:
            lines += [line("ussd.prove_prompt", phone=proof.phone)]
            menu.insert(0, f"{RESEND} {line('otp.resend')}")
        state = replace(
            before,
            pages=list(paginate(lines, line("ussd.more"), menu=menu)),
            page=0,
            end=False,
            mode=Mode.PROVE,
            proof=proof.state,
        )
        return self._rebase(state, request)

    def _resume(
        self,
        request: UssdRequest,
        lang: str,
        *,
        notice: bool,
        before: ChannelState | None = None,
        proof: OtpState | None = None,
    ) -> ChannelState:
        def line(key: str) -> str:
            return ussd_text(self.translator, key, lang)

        lines = [line("ussd.resume_choose")] if notice else []
        lines.append(line("ussd.resume"))
        menu = [
            f"{CONTINUE} {line('ussd.resume_continue')}",
            f"{RESTART} {line('ussd.resume_restart')}",
        ]
        state = ChannelState(
            session_id=request.session_id,
            text_length=0,
            text_digest=before.text_digest if before else "",
            pages=list(paginate(lines, line("ussd.more"), menu=menu)),
            lang=lang,
            mode=Mode.RESUME,
            seen=before.seen if before else {},
            proof=before.proof if before else proof,
        )
        return self._rebase(state, request)

    def _rebase(self, state: ChannelState, request: UssdRequest) -> ChannelState:
        """The state as of this request: its text is what the next one must extend."""
        seen = dict(state.seen) if state.session_id == request.session_id else {}
        digest = self._codec.digest(request.session_id, request.text)
        updated = replace(state, session_id=request.session_id)
        seen[digest] = updated.body()  # what this request gets, should it come again late
        seen = dict(list(seen.items())[-MAX_SEEN:])
        return replace(
            state,
            session_id=request.session_id,
            text_length=len(request.text),
            text_digest=digest,
            seen=seen,
        )


USSD: Final = web.AppKey("ussd", UssdGateway)


def _plain(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")


def _secret_ok(request: web.Request, secret: str | None) -> bool:
    """The gateway sends the shared secret in the X-USSD-Secret header, never in the URL:
    a query string is written to access logs, proxies and the gateway's own dashboards."""
    if not secret:
        return True
    return same_secret(request.headers.get(SECRET_HEADER, ""), secret)


async def ussd_endpoint(request: web.Request) -> web.Response:
    """The gateway's callback. Bad secret -> 403, malformed -> 400; never a 500."""
    gateway = request.config_dict[USSD]
    if not _secret_ok(request, gateway.secret):
        return _plain("Forbidden", status=403)
    try:
        form = await read_form(request)
        parsed = parse_form(form)
    except BadUssdRequest as bad:
        return _plain(_refusal(gateway.translator, bad), status=400)
    except ValueError:  # UnreadableBody: a charset, an encoding the bytes do not follow
        unreadable = BadUssdRequest("ussd.bad_request.form", "")
        return _plain(_refusal(gateway.translator, unreadable), status=400)
    return _plain(await gateway.answer(parsed))


def _refusal(translator: Translator, bad: BadUssdRequest) -> str:
    return _in_both(translator, bad.key, field=bad.field)


def _in_both(translator: Translator, key: str, **params: object) -> str:
    """In both languages when they fit on one screen: no session tells the language."""
    texts = [ussd_text(translator, key, lang, **params) for lang in ("vi", "en")]
    both = " / ".join(texts)
    return "END " + (both if len(both) <= PAGE_LIMIT else texts[0])
