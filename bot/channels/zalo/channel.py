"""The Zalo channel: webhook events are queued per person and applied in order, each
once; each Reply goes out as OA messages. No dialog logic here.

A reply that cannot be delivered (Zalo down, no working token) leaves the person owed an
answer: when they next write, they are told to try again and shown where they are. A
reply that ended the conversation (an account made) is sent again a moment later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, Final

import msgspec

from bot.channels.commands import read_command
from bot.channels.zalo.config import CHANNEL
from bot.channels.zalo.events import Kind, ZaloEvent
from bot.channels.zalo.inbox import Inbox, Queued
from bot.channels.zalo.messages import (
    NAV,
    Button,
    Layout,
    Tap,
    layout_messages,
    links_in,
    phone_request,
    read_tap,
)
from bot.channels.zalo.oa import OaMessages, Undelivered
from bot.channels.zalo.secret_links import SecretLinks
from bot.engine import DialogEngine
from bot.engine.messages import PASSWORD_ENTRY, PHONE_ENTRY, Action, Inbound, Reply
from bot.engine.render import render
from bot.engine.spec import Invalid
from bot.engine.turn import Conversation
from bot.i18n import DEFAULT_LANGUAGE, Msg, Translator, msg
from bot.state.store import StoreUnavailable
from bot.validation import parse_phone

log = logging.getLogger("regbot.zalo")

NAV_ACTIONS: Final = dict(zip(NAV, (Action.BACK, Action.HELP, Action.CANCEL), strict=True))
PAGE_PATHS: Final = ("/sign/",)  # regbot's pages a reply may link to: buttons too
SHARE_PHONE_IMAGE: Final = "/zalo/share-phone.png"
DRAIN_AGAIN: Final = (1.0, 3.0, 9.0)  # seconds before draining again after the store failed
SEND_AGAIN: Final = (1.0, 5.0, 30.0)  # pauses before sending a lost last reply again


class ZaloSlot(msgspec.Struct):
    """The channel's part of the person's conversation record (sealed with the dialog)."""

    last_seq: int = 0  # the last inbox event applied: a drain that crashed is not redone
    unanswered: bool = False  # the last reply could not be delivered
    offered: list[str] = msgspec.field(default_factory=list)  # option keys on buttons
    hints: list[str] = msgspec.field(default_factory=list)  # what the last step asks for
    phone: str = ""  # E.164, shared through `request_user_info`: vouched for, not a caller
    secret_link: str = ""  # the id of the live password link
    secret_step: str = ""  # the password step it was issued for
    screen: int = 0  # the newest reply's number: its buttons' payloads carry it


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(ZaloSlot)


def _slot(convo: Conversation) -> ZaloSlot:
    blob = convo.slot(CHANNEL)
    if blob is None:
        return ZaloSlot()
    try:
        return _decoder.decode(blob)
    except msgspec.DecodeError:
        return ZaloSlot()


class ZaloChannel:
    name = CHANNEL

    def __init__(
        self,
        engine: DialogEngine,
        translator: Translator,
        inbox: Inbox,
        oa: OaMessages,
        secrets: SecretLinks,
        *,
        public_url: str,
    ) -> None:
        self.engine = engine
        self.translator = translator
        self.secrets = secrets
        self._inbox = inbox
        self._oa = oa
        self.public_url = public_url.rstrip("/")
        self._tasks: set[asyncio.Task[None]] = set()

    # -- the webhook's side: queue, answer, apply after ---------------------------------

    async def accept(self, event: ZaloEvent) -> bool:
        """Queue the event and start draining; False for a delivery seen before."""
        person = self.engine.session_key(CHANNEL, event.user_id)
        if not await self._inbox.append(person, event):
            return False
        self._spawn(self.drain(event.user_id))
        return True

    async def drain(self, user_id: str, retry: int = 0) -> None:
        """Apply the person's queued events oldest first; any worker may drain, one at a
        time (a drain that waited too long leaves the queue to the one draining it).
        When the store fails, this worker drains again a moment later: the person who
        wrote is answered without having to write again."""
        person = self.engine.session_key(CHANNEL, user_id)
        try:
            async with self._inbox.drain_lock(person):
                while (queued := await self._inbox.head(person)) is not None:
                    try:
                        await self._apply(user_id, queued)
                    except StoreUnavailable:
                        raise
                    except Exception:  # one bad event must not block the person's queue
                        log.exception("a Zalo event could not be applied")
                    await self._inbox.done(person, queued.seq)
        except StoreUnavailable:
            log.warning("Zalo events left for another drain: the store is busy or down")
            if retry < len(DRAIN_AGAIN):
                self._spawn(self._drain_later(user_id, retry))

    async def _drain_later(self, user_id: str, retry: int) -> None:
        await asyncio.sleep(DRAIN_AGAIN[retry])
        await self.drain(user_id, retry + 1)

    async def _apply(self, user_id: str, queued: Queued) -> None:
        """Apply one event, then send its answer. The turn is written before anything is
        sent: a turn that cannot be written (the store lost its lock) is applied again
        later and answered once, not twice; an answer that cannot be sent leaves the turn
        done and the person owed an answer (shown when they next write)."""
        async with self.engine.conversation(CHANNEL, user_id) as convo:
            slot = _slot(convo)
            if queued.seq <= slot.last_seq:
                return  # applied before a crash, not yet taken off the queue
            slot.last_seq = queued.seq
            inbound, notice = self._read(user_id, queued, slot)
            last = False
            if inbound is None:  # a button of an earlier screen: told so, nothing changes
                told = [self.translator.render(notice, _lang(convo))] if notice else []
                messages = [{"text": text} for text in told]
            else:
                reply = await convo.turn(inbound)
                messages = await self._outgoing(user_id, reply, slot, notice)
                last = reply.end
            convo.set_slot(CHANNEL, _encoder.encode(slot))
        await self._send(user_id, messages, last=last)

    async def _send(
        self, user_id: str, messages: list[dict[str, Any]], *, last: bool = False
    ) -> None:
        """`last`: the reply ended the conversation (an account made): no step is left to
        show on the person's next message, so it is sent again a moment later instead."""
        try:
            await self._oa.send_all(user_id, messages)
        except Undelivered:
            if last:
                self._spawn(self._send_again(user_id, messages))
            else:
                await self._owe_an_answer(user_id)

    async def _send_again(self, user_id: str, messages: list[dict[str, Any]]) -> None:
        for pause in SEND_AGAIN:
            await asyncio.sleep(pause)
            with contextlib.suppress(Undelivered):
                await self._oa.send_all(user_id, messages)
                return

    def _read(
        self, user_id: str, queued: Queued, slot: ZaloSlot
    ) -> tuple[Inbound | None, Msg | None]:
        """The engine input for a queued event, and a notice to show before the reply; no
        input, only the notice, for a tap on a button of an earlier screen."""

        def inbound(action: Action = Action.TEXT, **fields: Any) -> Inbound:
            # the shared phone is vouched for, never a `caller`: nobody is on a call
            phone = slot.phone or None
            return Inbound(CHANNEL, user_id, action=action, vouched_phone=phone, **fields)

        kind = queued.event_kind
        if slot.unanswered:
            slot.unanswered = False
            return inbound(Action.SHOW), msg("engine.try_again_later")
        if kind is Kind.FOLLOW:
            return inbound(Action.SHOW), None
        if kind is Kind.MEDIA:
            return inbound(Action.SHOW), msg("zalo.text_only")
        if kind is Kind.PHONE:
            try:
                phone = parse_phone(queued.phone)
            except Invalid as refused:
                return inbound(Action.SHOW), refused.message
            slot.phone = phone
            if PHONE_ENTRY in slot.hints:  # the answer to the phone step, from Zalo itself
                return inbound(text=phone), None
            return inbound(Action.SHOW), None
        text = queued.text
        tap = read_tap(text)
        if tap is None and text in NAV_ACTIONS:  # sent before payloads carried the screen
            tap = Tap(text, screen=0)
        if tap is not None:
            # Zalo keeps old buttons tappable: only the newest screen's act, as on
            # Telegram; with no screen on record (a new or expired one), a tap is taken
            if slot.screen and tap.screen != slot.screen:
                return None, msg("zalo.stale_button")
            if tap.key in NAV_ACTIONS:
                return inbound(NAV_ACTIONS[tap.key]), None
            if tap.key in slot.offered:
                return inbound(Action.CHOOSE, choice=tap.key), None
        command = read_command(text, keypad=True)
        if command is not None:
            return inbound(command.action, text=command.argument), None
        if text.strip() in slot.offered:  # an option's key, typed
            return inbound(Action.CHOOSE, choice=text.strip()), None
        if slot.secret_step:  # never take a password typed into a chat that keeps it
            return inbound(Action.SHOW), msg("zalo.password_not_here")
        return inbound(text=text), None

    async def _owe_an_answer(self, user_id: str) -> None:
        """Remember that the person got no answer: their next message is met with "try
        again later" and the screen they are at, not read as an answer to it."""
        try:
            async with self.engine.conversation(CHANNEL, user_id) as convo:
                slot = _slot(convo)
                slot.unanswered = True
                convo.set_slot(CHANNEL, _encoder.encode(slot))
        except StoreUnavailable:
            log.warning("could not note an undelivered Zalo reply: the store is down")

    # -- replies ------------------------------------------------------------------------

    async def push(self, user_id: str, reply: Reply) -> None:
        """A reply outside the person's turn (a signature arrived, a password was set)."""
        async with self.engine.conversation(CHANNEL, user_id) as convo:
            slot = _slot(convo)
            messages = await self._outgoing(user_id, reply, slot, None)
            convo.set_slot(CHANNEL, _encoder.encode(slot))
        await self._send(user_id, messages, last=reply.end)

    async def _outgoing(
        self, user_id: str, reply: Reply, slot: ZaloSlot, notice: Msg | None
    ) -> list[dict[str, Any]]:
        """The OA messages for a reply; a password step gets a fresh `/secret` link."""

        def text(key: str, **params: object) -> str:
            return self.translator.render(msg(key, **params), reply.lang)

        shown = render(reply, self.translator)
        texts = [*([self.translator.render(notice, reply.lang)] if notice else []), *shown.texts]
        links = [
            Button(text("zalo.open_page"), url=url)
            for url in links_in(texts, self.public_url, PAGE_PATHS)
        ]
        if slot.secret_link:  # a newer screen: the previous password link stops working
            await self.secrets.withdraw(slot.secret_link)
            slot.secret_link = slot.secret_step = ""
        if PASSWORD_ENTRY in reply.hints and not reply.end:
            token, slot.secret_link = await self.secrets.issue(
                CHANNEL, user_id, reply.lang, reply.step
            )
            slot.secret_step = reply.step
            minutes = self.secrets.lifetime // 60
            texts.append(text("zalo.password_link", minutes=minutes))
            url = f"{self.public_url}/secret/{token}"
            links.insert(0, Button(text("zalo.password_button"), url=url))
        nav = []
        if not reply.end:
            if reply.can_go_back:
                nav.append(Button(text("zalo.back"), "nav:back"))
            nav += [
                Button(text("zalo.help"), "nav:help"),
                Button(text("zalo.cancel"), "nav:cancel"),
            ]
        slot.screen += 1  # the buttons of every earlier reply stop working
        nav_words = text("zalo.nav_words")
        layout = Layout(texts, shown.options, nav, links, nav_words, screen=slot.screen)
        messages, slot.offered = layout_messages(layout)
        slot.hints = sorted(reply.hints)
        if PHONE_ENTRY in reply.hints and not reply.end:
            messages.append(
                phone_request(
                    text("zalo.share_phone_title"),
                    text("zalo.share_phone_subtitle"),
                    self.public_url + SHARE_PHONE_IMAGE,
                )
            )
        return messages

    # -- background work ----------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until every drain started here has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = 5.0) -> None:
        """Let running drains finish (what is left stays queued for the next one)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _lang(convo: Conversation) -> str:
    dialog = convo.record.dialog
    return dialog.lang if dialog is not None else DEFAULT_LANGUAGE
