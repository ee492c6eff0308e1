"""HTTP adapters for the SMS gateway, carrier register and BHXH register (CONTRACTS.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp

from integrations.carrier import CarrierRegister, Subscriber
from integrations.http import (
    JsonClient,
    JsonHttp,
    Observe,
    RetryPolicy,
    bad_reply,
    path_segment,
)
from integrations.insured import InsuredPerson, InsuredRegister
from integrations.sms import SmsGateway
from integrations.wire import WireError, insured_from_json, subscriber_from_json

T = TypeVar("T")


class SmsHttpClient(JsonClient):
    """`POST {SMS_URL}/messages {"to", "text"}` -> `202 {"id"}`."""

    SYSTEM = "sms"

    async def send(self, to: str, text: str) -> str:
        reply = await self._http.request("POST", "/messages", body={"to": to, "text": text})
        body = reply.body if reply is not None else None
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise bad_reply("sms", "no message id", uncertain=True)  # a 2xx: likely sent
        return str(body["id"])


class CarrierHttpClient(JsonClient):
    """`GET {CARRIER_URL}/subscribers/{e164}` -> the subscriber, or None on 404."""

    SYSTEM = "carrier"

    async def lookup(self, msisdn: str) -> Subscriber | None:
        return await _record(
            self._http, "/subscribers/" + path_segment(msisdn), subscriber_from_json
        )


class InsuredHttpClient(JsonClient):
    """`GET {BHXH_URL}/insured/{bhxh_code}` -> the insured person, or None on 404."""

    SYSTEM = "bhxh"

    async def lookup(self, bhxh_code: str) -> InsuredPerson | None:
        return await _record(self._http, "/insured/" + path_segment(bhxh_code), insured_from_json)


async def _record(http: JsonHttp, path: str, parse: Callable[[Any], T]) -> T | None:
    """A register's record at `path` (None on 404), read by `parse` from the contract's JSON."""
    reply = await http.request("GET", path, not_found=True)
    if reply is None:
        return None
    try:
        return parse(reply.body)
    except WireError as exc:
        raise bad_reply(http.system, str(exc)) from exc


# Typed factories: the place where mypy proves each adapter satisfies its port.


def sms_gateway(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    policy: RetryPolicy | None = None,
    observe: Observe | None = None,
) -> SmsGateway:
    return SmsHttpClient(session, base_url, policy=policy, observe=observe)


def carrier_register(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    policy: RetryPolicy | None = None,
    observe: Observe | None = None,
) -> CarrierRegister:
    return CarrierHttpClient(session, base_url, policy=policy, observe=observe)


def insured_register(
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    policy: RetryPolicy | None = None,
    observe: Observe | None = None,
) -> InsuredRegister:
    return InsuredHttpClient(session, base_url, policy=policy, observe=observe)
