"""The Notifier port over the SMS gateway: a message rendered from the catalogs, sent now
or once the reply has left (`bot.after_reply`: held until the HTTP response is written,
then a random pause - not even rendered during the turn)."""

from __future__ import annotations

import asyncio
import logging

from bot.after_reply import after_the_reply
from bot.i18n import Msg, Translator
from integrations.sms import SmsGateway

log = logging.getLogger("regbot.notifier")


class SmsNotifier:
    def __init__(self, sms: SmsGateway, translator: Translator) -> None:
        self._sms = sms
        self._translator = translator
        self.pending: set[asyncio.Task[None]] = set()  # kept referenced until done

    async def send(self, phone: str, message: Msg, lang: str) -> None:
        await self._sms.send(phone, self._translator.render(message, lang))

    def send_after_reply(self, phone: str, message: Msg, lang: str) -> None:
        task = asyncio.ensure_future(after_the_reply(self.send(phone, message, lang)))
        self.pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("an SMS sent after the reply failed: %s", type(task.exception()).__name__)

    async def settle(self) -> None:
        """Wait for the messages still on their way (tests, shutdown)."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)
