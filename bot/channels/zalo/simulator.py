"""A Zalo simulator speaking the OA contract over real HTTP (`/sim/zalo`): the message
and token APIs as Zalo serves them, and a user side that delivers signed webhooks to
regbot's `/zalo`, with an inbox per user of what the OA sent (CONTRACTS, "Simulator
control"). Never mounted in production."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from aiohttp import web

from bot.channels.zalo.config import ZaloConfig
from bot.channels.zalo.events import SIGNATURE_HEADER, mac

TEXT_LIMIT: Final = 2000
BUTTON_LIMIT: Final = 5
TITLE_LIMIT: Final = 100


@dataclass
class ZaloSimState:
    """The OA's credentials and what the simulated Zalo saw; tests read it in-process."""

    app_id: str
    oa_secret_key: str
    app_secret: str
    webhook_urls: list[str]  # regbot's `/zalo` (several: a load balancer, round robin)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    inboxes: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    refreshes: int = 0
    rejected_tokens: int = 0
    send_failures: int = 0  # the next N sends answer 500
    oauth_down: bool = False
    last_events: dict[str, bytes] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock_ms: int = 0
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    @classmethod
    def of(cls, config: ZaloConfig, webhook_urls: list[str]) -> ZaloSimState:
        return cls(
            config.app_id,
            config.oa_secret_key,
            config.app_secret,
            webhook_urls,
            access_tokens={config.access_token},
            refresh_tokens={config.refresh_token},
        )

    def timestamp(self) -> str:
        """Milliseconds, strictly increasing: events keep their order."""
        self._clock_ms = max(self._clock_ms + 1, int(time.time() * 1000))
        return str(self._clock_ms)

    def lock(self, user_id: str) -> asyncio.Lock:
        return self._locks.setdefault(user_id, asyncio.Lock())

    def next_target(self) -> str:
        return self.webhook_urls[next(self._turn) % len(self.webhook_urls)]

    def serial(self) -> int:
        return next(self._serial)


ZALO_SIM: Final = web.AppKey("zalo_sim", ZaloSimState)


def zalo_simulator(state: ZaloSimState) -> web.Application:
    app = web.Application()
    app[ZALO_SIM] = state
    app.router.add_post("/v3.0/oa/message/cs", _oa_message)
    app.router.add_post("/v4/oa/access_token", _access_token)
    app.router.add_post("/users/{user_id}/send", _user_sends)
    app.router.add_post("/users/{user_id}/redeliver", _redeliver)
    app.router.add_get("/users/{user_id}/inbox", _inbox)
    app.router.add_post("/expire-token", _expire_token)
    app.router.add_get("/state", _state)
    app.router.add_post("/faults", _faults)
    app.cleanup_ctx.append(_http)
    return app


_HTTP: Final = web.AppKey("zalo_sim_http", aiohttp.ClientSession)


async def _http(app: web.Application) -> Any:
    async with aiohttp.ClientSession() as http:
        app[_HTTP] = http
        yield


# -- the OA side: what regbot calls ----------------------------------------------------


def _fail(code: int, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message})  # Zalo: still 200


async def _oa_message(request: web.Request) -> web.Response:
    state = request.app[ZALO_SIM]
    if state.send_failures > 0:
        state.send_failures -= 1
        return web.json_response({"error": "internal"}, status=500)
    if request.headers.get("access_token", "") not in state.access_tokens:
        state.rejected_tokens += 1
        return _fail(-216, "Access token is invalid")
    try:
        body = await request.json()
        user_id = str(body["recipient"]["user_id"])
        message = body["message"]
    except (ValueError, KeyError, TypeError):
        return _fail(-201, "Parameters are invalid")
    shown = _shown(message)
    if shown is None:
        return _fail(-201, "Parameters are invalid")
    message_id = f"sim-msg-{state.serial()}"
    # `at`: when Zalo received it (seconds), so a test can see how sends were paced
    state.inboxes[user_id].append({"message_id": message_id, "at": time.time(), **shown})
    return web.json_response(
        {"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": user_id}}
    )


def _shown(message: Any) -> dict[str, Any] | None:
    """What the user sees, or None for a message that breaks the contract's limits."""
    if not isinstance(message, dict):
        return None
    text = message.get("text", "")
    attachment = message.get("attachment")
    if not isinstance(text, str) or len(text) > TEXT_LIMIT or (not text and not attachment):
        return None
    shown: dict[str, Any] = {"text": text, "buttons": [], "request_user_info": None}
    if attachment is None:
        return shown
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    if not isinstance(payload, dict):
        return None
    if payload.get("template_type") == "request_user_info":
        elements = payload.get("elements")
        if not isinstance(elements, list) or not elements:
            return None
        shown["request_user_info"] = elements[0]
        return shown
    buttons = payload.get("buttons")
    if not isinstance(buttons, list) or not 0 < len(buttons) <= BUTTON_LIMIT:
        return None
    for button in buttons:
        title, kind = button.get("title"), button.get("type")
        if not isinstance(title, str) or not title or len(title) > TITLE_LIMIT:
            return None
        if kind not in ("oa.query.hide", "oa.open.url"):
            return None
    shown["buttons"] = buttons
    return shown


async def _access_token(request: web.Request) -> web.Response:
    state = request.app[ZALO_SIM]
    if state.oauth_down:
        return web.json_response({"error": "down"}, status=503)
    form = await request.post()
    refresh = str(form.get("refresh_token", ""))
    if (
        request.headers.get("secret_key") != state.app_secret
        or form.get("app_id") != state.app_id
        or form.get("grant_type") != "refresh_token"
        or refresh not in state.refresh_tokens
    ):
        return web.json_response(
            {"error": -14014, "error_name": "Invalid refresh token", "error_description": "…"}
        )
    state.refresh_tokens.discard(refresh)  # a refresh token works once
    state.refreshes += 1
    serial = state.serial()
    access, new_refresh = f"sim-access-{serial}", f"sim-refresh-{serial}"
    state.access_tokens = {access}
    state.refresh_tokens.add(new_refresh)
    return web.json_response(
        {"access_token": access, "refresh_token": new_refresh, "expires_in": "90000"}
    )


# -- the user side: control API ---------------------------------------------------------


def _event(state: ZaloSimState, user_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
    base: dict[str, Any] = {"app_id": state.app_id, "timestamp": state.timestamp()}
    sender = {"sender": {"id": user_id}, "recipient": {"id": "sim-oa"}}
    msg_id = str(body.get("msg_id") or f"sim-in-{state.serial()}")
    if "text" in body or "tap" in body:
        text = body["text"] if "text" in body else body["tap"]
        message = {"msg_id": msg_id, "text": str(text)}
        return {**base, "event_name": "user_send_text", **sender, "message": message}
    if isinstance(body.get("submit_info"), dict):
        return {**base, "event_name": "user_submit_info", **sender, "info": body["submit_info"]}
    name = body.get("event")
    if name in ("follow", "unfollow"):
        return {**base, "event_name": name, "oa_id": "sim-oa", "follower": {"id": user_id}}
    if isinstance(name, str) and name.startswith("user_send_"):
        attachments = [{"type": name.removeprefix("user_send_")}]
        return {
            **base,
            "event_name": name,
            **sender,
            "message": {"msg_id": msg_id, "attachments": attachments},
        }
    return None


async def _deliver(request: web.Request, user_id: str, raw: bytes) -> web.Response:
    state = request.app[ZALO_SIM]
    event = json.loads(raw)
    signature = mac(state.app_id, raw, str(event["timestamp"]), state.oa_secret_key)
    async with state.lock(user_id):  # one user's events leave in order, one at a time
        state.last_events[user_id] = raw
        target = state.next_target()
        try:
            async with request.app[_HTTP].post(
                target,
                data=raw,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: f"mac={signature}"},
            ) as response:
                status = response.status
        except aiohttp.ClientError as exc:  # regbot is not there (yet), or hung up
            return web.json_response(
                {
                    "error": f"{target} did not answer ({type(exc).__name__})",
                    "delivered": False,
                    "status": None,
                    "event": event,
                },
                status=502,
            )
    return web.json_response({"delivered": status == 200, "status": status, "event": event})


async def _user_sends(request: web.Request) -> web.Response:
    state = request.app[ZALO_SIM]
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "JSON expected"}, status=400)
    event = _event(state, request.match_info["user_id"], body if isinstance(body, dict) else {})
    if event is None:
        return web.json_response({"error": "unknown event"}, status=400)
    raw = json.dumps(event, ensure_ascii=False).encode()
    return await _deliver(request, request.match_info["user_id"], raw)


async def _redeliver(request: web.Request) -> web.Response:
    """Zalo's retry: the user's last event again, byte for byte (same msg_id)."""
    user_id = request.match_info["user_id"]
    raw = request.app[ZALO_SIM].last_events.get(user_id)
    if raw is None:
        return web.json_response({"error": "nothing delivered yet"}, status=404)
    return await _deliver(request, user_id, raw)


async def _inbox(request: web.Request) -> web.Response:
    return web.json_response(request.app[ZALO_SIM].inboxes.get(request.match_info["user_id"], []))


async def _expire_token(request: web.Request) -> web.Response:
    request.app[ZALO_SIM].access_tokens.clear()
    return web.json_response({"expired": True})


async def _state(request: web.Request) -> web.Response:
    state = request.app[ZALO_SIM]
    return web.json_response(
        {"refreshes": state.refreshes, "rejected_tokens": state.rejected_tokens}
    )


async def _faults(request: web.Request) -> web.Response:
    """`{"send_failures": N}` (the next N sends answer 500), `{"oauth_down": true}`."""
    state = request.app[ZALO_SIM]
    try:
        body = await request.json()
        failures = int(body.get("send_failures", state.send_failures))
    except (ValueError, TypeError, AttributeError):  # not JSON, not an object, not a count
        return web.json_response(
            {"error": 'JSON expected: {"send_failures": N} or {"oauth_down": true}'}, status=400
        )
    state.send_failures = max(0, failures)
    state.oauth_down = bool(body.get("oauth_down", state.oauth_down))
    return web.json_response({"send_failures": state.send_failures, "oauth_down": state.oauth_down})
