"""The Telegram channel: updates in (webhook `POST /telegram` or long polling), each
Reply out as one message with an inline keyboard. No dialog logic here.

A chat is served one update at a time (`ChatLocks`), each turn in the person's record
(`engine.conversation`) beside the channel's slot: the newest screen's message id, so a
button of an older screen is refused and its keyboard removed. Private chats only: in a
group every member would drive one registration and see its summary."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any, Final

from aiohttp import web
from telegram import CallbackQuery, Message, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.screens import (
    CHANNEL,
    ChatLocks,
    LastScreen,
    ScreenCodec,
    contact_keyboard,
    keyboard,
    language_of,
    own_phone,
    to_inbound,
)
from bot.engine import DialogEngine
from bot.engine.messages import PHONE_ENTRY, SECRET_CONSUMED, Action, Inbound, Reply
from bot.engine.render import render
from bot.engine.turn import Conversation
from bot.i18n import Translator, msg
from bot.keys import same_secret
from bot.state.store import StoreUnavailable
from bot.web.bodies import read_json

log = logging.getLogger("regbot.telegram")

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
UPDATES: Final = ["message", "callback_query"]
# python-telegram-bot logs each Bot API call with its parameters and answer at DEBUG (what
# people type: passwords, codes, ID numbers) and httpx each URL at INFO (the bot token is
# in it): they stay at WARNING whatever level the root logger is turned up to.
CHATTY_LOGGERS: Final = ("telegram", "httpx")
SEND_AGAIN: Final = (1.0, 5.0, 30.0)  # pauses before sending a lost last reply again


class TelegramChannel:
    """python-telegram-bot's Application used as a transport only: the conversation state
    lives in the engine's store, never in PTB's in-memory ConversationHandler."""

    name = CHANNEL

    def __init__(
        self,
        engine: DialogEngine,
        translator: Translator,
        token: str,
        *,
        api_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str = "",
    ) -> None:
        self._engine = engine
        self._translator = translator
        self._webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self._chats = ChatLocks()
        self._screens = ScreenCodec()
        self._later: set[asyncio.Task[None]] = set()  # last replies to send again
        for name in CHATTY_LOGGERS:
            chatty = logging.getLogger(name)
            chatty.setLevel(max(chatty.level, logging.WARNING))
        builder = Application.builder().token(token).concurrent_updates(True)
        if api_url:
            builder = builder.base_url(api_url)
        if webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        private = filters.ChatType.PRIVATE
        add = self.application.add_handler
        add(CallbackQueryHandler(self._on_button))
        add(MessageHandler(private & filters.CONTACT, self._on_contact))
        add(MessageHandler(private & filters.TEXT, self._on_text))
        add(MessageHandler(private, self._on_other))  # stickers, photos, files, voice...
        add(MessageHandler(filters.ChatType.GROUPS & ~filters.StatusUpdate.ALL, self._on_group))

    async def start(self) -> None:
        """Connect to the Bot API. A webhook that cannot be registered is logged, not fatal:
        USSD and the rest of the service must not go down with Telegram."""
        await self.application.initialize()
        await self.application.start()
        if self._webhook_url:
            try:
                await self.application.bot.set_webhook(
                    self._webhook_url, secret_token=self.webhook_secret, allowed_updates=UPDATES
                )
            except TelegramError as exc:
                log.error("the Telegram webhook could not be set: %s", type(exc).__name__)
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=UPDATES)

    async def stop(self) -> None:
        for task in list(self._later):
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def webhook(self, request: web.Request) -> web.Response:
        """`POST /telegram`: only Telegram knows the secret token set with the webhook."""
        if not same_secret(request.headers.get(SECRET_HEADER, ""), self.webhook_secret):
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            data = await read_json(request)
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # a parser of untrusted JSON: whatever it raises is a 400
            # (a date out of range is an OverflowError, or an OSError on some platforms; a
            # list where an object goes a TypeError...), never a 500 that Telegram retries
            log.info("not a Telegram update: %s", type(exc).__name__)
            return web.json_response({"error": "not a Telegram update"}, status=400)
        if update is not None and type(update.update_id) is not int:  # repeats are told by it
            return web.json_response({"error": "not a Telegram update"}, status=400)
        if update is not None:
            await self.application.process_update(update)
        return web.json_response({"ok": True})

    # -- updates ----------------------------------------------------------------------

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        code = user.language_code if user else None
        inbound = to_inbound(chat.id, text=message.text, language_code=code)
        await self._serve(update.update_id, chat.id, inbound, typed=message)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None:
            return
        lang = language_of(query.from_user.language_code)
        if chat is None or chat.type != "private":
            await _answer(query, self._text("telegram.private_only", lang))
            return
        inbound = to_inbound(chat.id, data=query.data or "", language_code=lang)
        await self._serve(update.update_id, chat.id, inbound, query=query)

    async def _on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared contact answers a phone step when it is the sender's own number."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or message.contact is None:
            return
        lang = language_of(user.language_code if user else None)
        contact = message.contact
        if user is None or contact.user_id != user.id:
            async with self._chats.hold(chat.id):
                await self._say(chat.id, "telegram.contact_not_yours", lang)
            return
        phone = own_phone(contact.phone_number)  # vouched for by Telegram, not a call
        inbound = Inbound(CHANNEL, str(chat.id), text=phone, lang=lang, vouched_phone=phone)
        await self._serve(update.update_id, chat.id, inbound, contact=True)

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, file or voice message: one polite line; the dialog stays."""
        chat, user = update.effective_chat, update.effective_user
        if chat is not None:
            async with self._chats.hold(chat.id):
                lang = language_of(user.language_code if user else None)
                await self._say(chat.id, "telegram.text_only", lang)

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is not None:
            lang = language_of(user.language_code if user else None)
            await self._say(chat.id, "telegram.private_only", lang)

    # -- a turn and its screen ----------------------------------------------------------

    async def _serve(
        self,
        update_id: int,
        chat_id: int,
        inbound: Inbound,
        *,
        typed: Message | None = None,
        query: CallbackQuery | None = None,
        contact: bool = False,
    ) -> None:
        """One turn under the chat's lock: an update handled before (Telegram re-sent it)
        is dropped; a stale button or an unasked contact is told so and changes nothing;
        otherwise the reply becomes the chat's newest screen."""
        async with self._chats.hold(chat_id):
            try:
                async with self._engine.conversation(CHANNEL, inbound.user_id) as convo:
                    last = self._screens.loads(convo.slot(CHANNEL))
                    if last is not None:
                        if update_id in last.handled:
                            return  # answered the first time it came
                        # noted even where the update changes nothing else (a stale button)
                        last = last.with_handled(update_id)
                        convo.set_slot(CHANNEL, self._screens.dumps(last))
                    lang = _lang(convo, inbound)
                    owed = last is not None and last.unanswered
                    if query is not None:
                        pressed = query.message.message_id if query.message else None
                        if not owed and last is not None and pressed != last.message_id:
                            await _answer(query, self._text("telegram.stale_button", lang))
                            return
                        await _answer(query)
                    if contact and not owed and not (last is not None and last.phone_step):
                        await self._say(chat_id, "telegram.contact_not_now", lang)
                        return
                    if owed:  # they never saw where they are: say so, and show it, not read
                        inbound = replace(inbound, action=Action.SHOW, text="", choice=None)
                    reply = await convo.turn(inbound)
                    if owed:
                        reply = replace(reply, texts=(msg("engine.try_again_later"), *reply.texts))
                    if SECRET_CONSUMED in reply.hints and typed is not None:
                        await self._forget(chat_id, typed.message_id)
                    shown = await self._deliver(chat_id, reply, last)
                    convo.set_slot(CHANNEL, self._screens.dumps(shown.with_handled(update_id)))
            except StoreUnavailable:
                log.warning("state store unavailable", extra={"channel": CHANNEL})
                if query is not None:
                    await _answer(query)
                if typed is not None:  # the step is unknown: what was typed may be a secret
                    await self._forget(chat_id, typed.message_id)
                await self._say(chat_id, "engine.try_again_later", inbound.lang or "vi")

    async def push(self, user_id: str, reply: Reply) -> None:
        """Replies produced outside a turn (e.g. a signature completed): the chat's newest
        screen, in order with the person's own turns."""
        chat_id = int(user_id)
        async with self._chats.hold(chat_id):
            try:
                async with self._engine.conversation(CHANNEL, user_id) as convo:
                    last = self._screens.loads(convo.slot(CHANNEL))
                    convo.set_slot(
                        CHANNEL, self._screens.dumps(await self._deliver(chat_id, reply, last))
                    )
            except StoreUnavailable:  # the reply still goes out; its buttons stay checkable
                await self._deliver(chat_id, reply, None)

    async def _deliver(self, chat_id: int, reply: Reply, last: LastScreen | None) -> LastScreen:
        """The turn is kept even when its reply cannot be sent (the Bot API failed): its
        side effects (an SMS, an account) are done, and undoing the turn would do them
        again. The person's next update is then told to try again and shown the step."""
        try:
            return await self._show(chat_id, reply, last)
        except TelegramError as exc:
            log.warning("a reply could not be sent: %s", type(exc).__name__)
            if reply.end:  # no step is left to show them on their next message
                self._spawn(self._send_again(chat_id, reply))
            kept = last or LastScreen(message_id=0)
            return replace(kept, buttons=False, unanswered=not reply.end)

    async def _send_again(self, chat_id: int, reply: Reply) -> None:
        """A reply that ended the conversation (the account is made), sent again a moment
        later: nothing else would ever tell the person."""
        for pause in SEND_AGAIN:
            await asyncio.sleep(pause)
            try:
                async with self._chats.hold(chat_id):
                    await self._show(chat_id, reply, None)
                return
            except TelegramError as exc:
                log.warning("a last reply could not be sent again: %s", type(exc).__name__)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _show(self, chat_id: int, reply: Reply, last: LastScreen | None) -> LastScreen:
        """Send the reply as the newest screen; the previous one's keyboard goes."""
        bot = self.application.bot
        if last is not None and last.buttons:
            try:
                await bot.edit_message_reply_markup(chat_id, last.message_id, reply_markup=None)
            except TelegramError:  # too old, or deleted by the person: nothing to remove
                pass
        phone_step = PHONE_ENTRY in reply.hints and not reply.end
        contact_up = last is not None and last.contact_keyboard
        if contact_up and not phone_step:
            await self._drop_contact_keyboard(chat_id, reply.lang)
            contact_up = False
        shown = render(reply, self._translator)
        markup = keyboard(reply, shown, self._translator)
        sent = await bot.send_message(chat_id, "\n\n".join(shown.texts), reply_markup=markup)
        if phone_step and not contact_up:
            await bot.send_message(
                chat_id,
                self._text("telegram.share_phone_hint", reply.lang),
                reply_markup=contact_keyboard(self._translator, reply.lang),
            )
            contact_up = True
        handled = last.handled if last is not None else []  # a push keeps them too
        return LastScreen(sent.message_id, markup is not None, phone_step, contact_up, handled)

    async def _drop_contact_keyboard(self, chat_id: int, lang: str) -> None:
        """A reply keyboard goes only with a message: a short one, deleted at once."""
        bot = self.application.bot
        try:
            gone = await bot.send_message(
                chat_id,
                self._text("telegram.keyboard_gone", lang),
                reply_markup=ReplyKeyboardRemove(),
            )
            await bot.delete_message(chat_id, gone.message_id)
        except TelegramError as exc:
            log.warning("could not remove the contact keyboard: %s", type(exc).__name__)

    async def _say(self, chat_id: int, key: str, lang: str) -> None:
        """One line outside the dialog (the newest screen stays the newest screen)."""
        await self.application.bot.send_message(chat_id, self._text(key, lang))

    def _text(self, key: str, lang: str) -> str:
        return self._translator.render(msg(key), lang)

    async def _forget(self, chat_id: int, message_id: int) -> None:
        """A password or OTP typed in the chat is deleted so it does not stay in history."""
        try:
            await self.application.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.warning("could not delete a secret message: %s", type(exc).__name__)


def _lang(convo: Conversation, inbound: Inbound) -> str:
    dialog = convo.record.dialog
    return dialog.lang if dialog is not None else (inbound.lang or "vi")


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner, with a short notice when there is one."""
    try:
        await query.answer(text)
    except TelegramError as exc:  # an old query cannot be answered: nothing lost
        log.info("callback query not answered: %s", type(exc).__name__)


TELEGRAM = web.AppKey("telegram", TelegramChannel)


async def telegram_webhook(request: web.Request) -> web.Response:
    """`POST /telegram` (webhook mode): 503 while the channel is off."""
    channel = request.config_dict.get(TELEGRAM)
    if channel is None:  # the Bot API did not answer at start-up
        return web.json_response({"error": "telegram is unavailable"}, status=503)
    return await channel.webhook(request)


async def start_or_switch_off(channel: TelegramChannel) -> bool:
    """Start the channel; False (logged) when the Bot API does not answer - the rest of
    the service stays up."""
    try:
        await channel.start()
    except (TelegramError, OSError) as exc:
        log.error("Telegram is off, its API did not answer: %s", type(exc).__name__)
        return False
    return True
