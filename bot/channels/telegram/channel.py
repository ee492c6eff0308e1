"""The Telegram channel: updates in (webhook `POST /telegram` or long polling), each
Reply out as one message with an inline keyboard. No dialog logic here."""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.channels.commands import read_command
from bot.engine import DialogEngine
from bot.engine.messages import Action, Inbound, Rendered, Reply
from bot.engine.render import render
from bot.i18n import Translator, msg
from bot.keys import same_secret

log = logging.getLogger("regbot.telegram")

CHANNEL: Final = "telegram"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
NAV: Final = {
    "nav:back": Action.BACK,
    "nav:help": Action.HELP,
    "nav:cancel": Action.CANCEL,
    "nav:home": Action.HOME,
}


def to_inbound(
    chat_id: int, text: str | None = None, data: str | None = None, language_code: str | None = None
) -> Inbound:
    """A Telegram message or button press as the engine understands it."""
    user = str(chat_id)
    lang = "en" if (language_code or "").startswith("en") else "vi"
    if data is not None:
        if data in NAV:
            return Inbound(CHANNEL, user, action=NAV[data], lang=lang)
        return Inbound(CHANNEL, user, action=Action.CHOOSE, choice=data, lang=lang)
    text = text or ""
    command = read_command(text)
    if command is not None:
        return Inbound(CHANNEL, user, text=command.argument, action=command.action, lang=lang)
    return Inbound(CHANNEL, user, text=text, lang=lang)


def keyboard(reply: Reply, shown: Rendered, translator: Translator) -> InlineKeyboardMarkup | None:
    """One button per option, then the ways back and out (none once the dialog ended)."""
    if reply.end:
        return None
    rows = [[InlineKeyboardButton(label, callback_data=key)] for key, label in shown.options]
    nav = []
    if reply.can_go_back:
        nav.append(
            InlineKeyboardButton(
                translator.render(msg("telegram.back"), reply.lang), callback_data="nav:back"
            )
        )
    nav.append(
        InlineKeyboardButton(
            translator.render(msg("telegram.help"), reply.lang), callback_data="nav:help"
        )
    )
    nav.append(
        InlineKeyboardButton(
            translator.render(msg("telegram.cancel"), reply.lang), callback_data="nav:cancel"
        )
    )
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


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
        builder = Application.builder().token(token).concurrent_updates(True)
        if api_url:
            builder = builder.base_url(api_url)
        if webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        # private chats only: in a group every member would drive one registration and
        # see its summary (name, date of birth)
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_handler(
            MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, self._on_text)
        )

    async def start(self) -> None:
        """Connect to the Bot API. A webhook that cannot be registered is logged, not fatal:
        USSD and the rest of the service must not go down with Telegram."""
        await self.application.initialize()
        await self.application.start()
        if self._webhook_url:
            try:
                await self.application.bot.set_webhook(
                    self._webhook_url,
                    secret_token=self.webhook_secret,
                    allowed_updates=["message", "callback_query"],
                )
            except TelegramError as exc:
                log.error("the Telegram webhook could not be set: %s", type(exc).__name__)
        elif self.application.updater is not None:
            await self.application.updater.start_polling(
                allowed_updates=["message", "callback_query"]
            )

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def webhook(self, request: web.Request) -> web.Response:
        """`POST /telegram`: only Telegram knows the secret token set with the webhook."""
        if not same_secret(request.headers.get(SECRET_HEADER, ""), self.webhook_secret):
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return web.json_response({"error": "not a Telegram update"}, status=400)
        if update is not None:
            await self.application.process_update(update)
        return web.json_response({"ok": True})

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or update.effective_chat is None:
            return
        inbound = to_inbound(
            update.effective_chat.id,
            text=message.text,
            language_code=user.language_code if user else None,
        )
        reply = await self._engine.handle(inbound)
        if "secret_consumed" in reply.hints:
            await self._forget(message.chat_id, message.message_id)
        await self._send(update.effective_chat.id, reply)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None or chat.type != "private":
            return
        await query.answer()
        inbound = to_inbound(
            chat.id, data=query.data or "", language_code=query.from_user.language_code
        )
        await self._send(chat.id, await self._engine.handle(inbound))

    async def push(self, user_id: str, reply: Reply) -> None:
        """Replies produced outside a turn (e.g. a signature completed)."""
        await self._send(int(user_id), reply)

    async def _send(self, chat_id: int, reply: Reply) -> None:
        shown = render(reply, self._translator)
        await self.application.bot.send_message(
            chat_id, "\n\n".join(shown.texts), reply_markup=keyboard(reply, shown, self._translator)
        )

    async def _forget(self, chat_id: int, message_id: int) -> None:
        """A password or OTP typed in the chat is deleted so it does not stay in history."""
        try:
            await self.application.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.warning("could not delete a secret message: %s", type(exc).__name__)


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
