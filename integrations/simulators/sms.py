"""SMS gateway simulator: `POST /messages`, and the outbox for tests and the demo."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from integrations.simulators.faults import add_fault_switch, error, faultable, read_json
from integrations.wire import E164

OnMessage = Callable[[str, str], Awaitable[None] | None]
"""Called with (to, text) for every accepted message; the terminal demo prints it."""


@dataclass(frozen=True, slots=True)
class SentSms:
    id: str
    to: str
    text: str
    at: datetime


@dataclass(slots=True)
class SmsOutbox:
    """Every message the gateway accepted, oldest first, and who to tell about new ones."""

    messages: list[SentSms] = field(default_factory=list)
    on_message: OnMessage | None = None

    async def accept(self, to: str, text: str) -> SentSms:
        sms = SentSms(id=uuid.uuid4().hex, to=to, text=text, at=datetime.now(UTC))
        self.messages.append(sms)
        if self.on_message is not None:
            result = self.on_message(to, text)
            if inspect.isawaitable(result):
                await result
        return sms

    def sent_to(self, number: str) -> list[SentSms]:
        return [m for m in self.messages if m.to == number]


SMS_OUTBOX = web.AppKey("sms_outbox", SmsOutbox)


def _normalise_number(raw: str) -> str:
    """A `+` in a query string arrives as a space unless encoded: accept both."""
    digits = raw.strip().lstrip("+").replace(" ", "")
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return "+" + digits


@faultable
async def send_message(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        return error(400, "body must be a JSON object")
    to, text = body.get("to"), body.get("text")
    if not isinstance(to, str) or not E164.match(to):
        return error(400, "to: expected an E.164 number (+84...)")
    if not isinstance(text, str) or not text.strip():
        return error(400, "text: expected a non-empty string")
    if len(text) > 1000:
        return error(422, "text: longer than 1000 characters")
    sms = await request.app[SMS_OUTBOX].accept(to, text)
    return web.json_response({"id": sms.id}, status=202)


async def outbox(request: web.Request) -> web.Response:
    """`GET /outbox?to=+849...`: messages to that number, oldest first (all without `to`)."""
    wanted = request.query.get("to")
    box = request.app[SMS_OUTBOX]
    messages = box.messages if wanted is None else box.sent_to(_normalise_number(wanted))
    return web.json_response(
        [{"id": m.id, "to": m.to, "text": m.text, "at": m.at.isoformat()} for m in messages]
    )


def sms_simulator(on_message: OnMessage | None = None) -> web.Application:
    """The SMS gateway, to be mounted at `/sim/sms` (so `SMS_URL` is `.../sim/sms`)."""
    app = web.Application()
    app[SMS_OUTBOX] = SmsOutbox(on_message=on_message)
    app.router.add_post("/messages", send_message)
    app.router.add_get("/outbox", outbox)
    add_fault_switch(app)
    return app
