"""What the Telegram channel keeps and shows: the last screen it sent and the updates it
handled (the `telegram` slot of the person's record), the keyboards, and one lock per chat.

Only the newest screen's buttons work: older keyboards are removed once a new screen
goes out, and a press on one that is left (a double tap, a client that kept it) is
told so instead of acting twice or on the wrong step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Final

import msgspec
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.channels.commands import read_command
from bot.engine.messages import Action, Inbound, Rendered, Reply
from bot.i18n import Translator, msg

CHANNEL: Final = "telegram"
HANDLED_LIMIT: Final = 16  # update ids remembered per chat (ids of one chat's repeats)
NAV: Final = {
    "nav:back": Action.BACK,
    "nav:help": Action.HELP,
    "nav:cancel": Action.CANCEL,
    "nav:home": Action.HOME,
}


@dataclass(slots=True)
class LastScreen:
    """The newest screen in the chat: its message, and what it offered."""

    message_id: int
    buttons: bool = False  # it has an inline keyboard (removed when the next one goes out)
    phone_step: bool = False  # it asks for a phone number: a shared contact answers it
    contact_keyboard: bool = False  # the "share my phone number" keyboard is up
    handled: list[int] = field(default_factory=list)  # the chat's newest update ids
    unanswered: bool = False  # the reply to the chat's last turn could not be sent

    def with_handled(self, update_id: int) -> LastScreen:
        """This screen, remembering that the update `update_id` was handled: Telegram
        re-sends an update its webhook call did not get an answer to in time, and that
        repeat must not act twice (at the code step it would be read as the password)."""
        if update_id in self.handled:
            return self
        return replace(self, handled=[*self.handled, update_id][-HANDLED_LIMIT:])


class ScreenCodec:
    """msgpack for the slot (the record around it is sealed)."""

    def __init__(self) -> None:
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(LastScreen)

    def dumps(self, screen: LastScreen) -> bytes:
        return self._encoder.encode(screen)

    def loads(self, blob: bytes | None) -> LastScreen | None:
        if blob is None:
            return None
        try:
            return self._decoder.decode(blob)
        except msgspec.DecodeError:
            return None


class ChatLocks:
    """One lock per chat while anyone holds or waits for it: a chat's turns run, and their
    replies leave, in the order its updates came (asyncio locks wake waiters in order)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, holders = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._locks[chat_id]
            if holders == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, holders - 1)

    def __len__(self) -> int:
        return len(self._locks)


def language_of(language_code: str | None) -> str:
    return "en" if (language_code or "").startswith("en") else "vi"


def to_inbound(
    chat_id: int, text: str | None = None, data: str | None = None, language_code: str | None = None
) -> Inbound:
    """A Telegram message or button press as the engine understands it."""
    user = str(chat_id)
    lang = language_of(language_code)
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

    def nav(key: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(translator.render(msg(key), reply.lang), callback_data=data)

    row = [nav("telegram.back", "nav:back")] if reply.can_go_back else []
    row += [nav("telegram.help", "nav:help"), nav("telegram.cancel", "nav:cancel")]
    rows.append(row)
    return InlineKeyboardMarkup(rows)


def contact_keyboard(translator: Translator, lang: str) -> ReplyKeyboardMarkup:
    """Telegram's own "share my phone number" button: it sends the sender's contact."""
    button = KeyboardButton(
        translator.render(msg("telegram.share_phone"), lang), request_contact=True
    )
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def own_phone(phone_number: str) -> str:
    """A contact's number as Telegram gives it (`84912345678`, `+84 912...`) for the
    dialog's phone parser."""
    digits = phone_number.strip()
    return digits if digits.startswith("+") else "+" + digits
