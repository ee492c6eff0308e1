"""The OA message API: `POST {ZALO_API_URL}/v3.0/oa/message/cs`, rate-limited across
workers, retried on 5xx with backoff (never after a timed-out POST, which may have been
delivered), and sent again once after a token refresh when Zalo answers `-216`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any, Final

from bot.channels.zalo.tokens import RefreshFailed, TokenVault
from bot.state.store import Counters, StoreUnavailable
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from integrations.http import JsonHttp

log = logging.getLogger("regbot.zalo")

MESSAGE_PATH: Final = "/v3.0/oa/message/cs"
TOKEN_INVALID: Final = -216
SENDS_PER_SECOND: Final = 20  # across all workers, below the OA's quota (the default)
RATE_KEY: Final = "zalo:sends:{second}"
SLOT_WAITS: Final = 50  # windows a send waits for a slot before it goes regardless


class Undelivered(Exception):
    """A message could not be delivered; the reason names no token and no person."""


class OaMessages:
    def __init__(
        self,
        api: JsonHttp,
        vault: TokenVault,
        counters: Counters,
        *,
        per_second: int = SENDS_PER_SECOND,
    ) -> None:
        self._api = api
        self._vault = vault
        self._counters = counters
        self._per_second = per_second

    async def send_all(self, user_id: str, messages: Sequence[dict[str, Any]]) -> None:
        """Send in order; the first failure stops the rest (raises Undelivered)."""
        for message in messages:
            await self.send(user_id, message)

    async def send(self, user_id: str, message: dict[str, Any]) -> None:
        body = {"recipient": {"user_id": user_id}, "message": message}
        try:
            pair = await self._vault.current()
            reply = await self._post(body, pair.access_token)
            if _error(reply) == TOKEN_INVALID:
                pair = await self._vault.refresh(pair.access_token)
                reply = await self._post(body, pair.access_token)
        except RefreshFailed as exc:
            raise Undelivered("no working access token") from exc
        except (IntegrationUnavailable, IntegrationRejected, StoreUnavailable) as exc:
            log.warning("Zalo message not sent: %s", type(exc).__name__)
            raise Undelivered(type(exc).__name__) from exc
        error = _error(reply)
        if error != 0:
            log.warning("Zalo refused a message: error %s", error)
            raise Undelivered(f"error {error}")

    async def _post(self, body: dict[str, Any], access_token: str) -> Any:
        await self._wait_for_a_slot()
        reply = await self._api.request(
            "POST", MESSAGE_PATH, body=body, headers={"access_token": access_token}
        )
        return reply.body if reply is not None else None

    async def _wait_for_a_slot(self) -> None:
        """A fixed one-second window shared by the workers: over the limit, wait for the
        next second.

        The wait is bounded on purpose: after `SLOT_WAITS` full windows (about that many
        seconds) the message is sent anyway, over the limit, and a warning says so. Only
        a backlog of more than `SLOT_WAITS` seconds of sends gets there; a person should
        then get their answer late rather than never, and should Zalo refuse it for the
        quota, the refusal is logged and the turn's answer is `Undelivered` like any other
        refused send. Within the bound, no window ever carries more than `per_second`
        sends (a fixed window: two adjacent windows can still put up to twice that in a
        moving second)."""
        for _ in range(SLOT_WAITS):
            now = time.time()
            second = int(now)
            key = RATE_KEY.format(second=second)
            if (await self._counters.spend_within(key, self._per_second, 2)).allowed:
                return
            await asyncio.sleep(second + 1 - now + 0.001)
        log.warning("Zalo send rate: no free slot after %d waits; sending anyway", SLOT_WAITS)


def _error(reply: Any) -> int | None:
    if not isinstance(reply, dict):
        return None
    try:
        return int(reply.get("error", 0))
    except (TypeError, ValueError):
        return None
