"""HTTP adapters for the SMS gateway, carrier register and BHXH register (CONTRACTS.md)."""

from __future__ import annotations

import aiohttp

from integrations.carrier import CarrierRegister, Subscriber
from integrations.http import JsonHttp, Observe, RetryPolicy, bad_reply, path_segment
from integrations.insured import InsuredPerson, InsuredRegister
from integrations.sms import SmsGateway
from integrations.wire import WireError, insured_from_json, subscriber_from_json


class SmsHttpClient:
    """`POST {SMS_URL}/messages {"to", "text"}` -> `202 {"id"}`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        observe: Observe | None = None,
    ) -> None:
        self._http = JsonHttp(session, base_url, system="sms", policy=policy, observe=observe)

    async def send(self, to: str, text: str) -> str:
        reply = await self._http.request("POST", "/messages", body={"to": to, "text": text})
        body = reply.body if reply is not None else None
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise bad_reply("sms", "no message id")
        return str(body["id"])


class CarrierHttpClient:
    """`GET {CARRIER_URL}/subscribers/{e164}` -> the subscriber, or None on 404."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        observe: Observe | None = None,
    ) -> None:
        self._http = JsonHttp(session, base_url, system="carrier", policy=policy, observe=observe)

    async def lookup(self, msisdn: str) -> Subscriber | None:
        path = "/subscribers/" + path_segment(msisdn)
        reply = await self._http.request("GET", path, not_found=True)
        if reply is None:
            return None
        try:
            return subscriber_from_json(reply.body)
        except WireError as exc:
            raise bad_reply("carrier", str(exc)) from exc


class InsuredHttpClient:
    """`GET {BHXH_URL}/insured/{bhxh_code}` -> the insured person, or None on 404."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        observe: Observe | None = None,
    ) -> None:
        self._http = JsonHttp(session, base_url, system="bhxh", policy=policy, observe=observe)

    async def lookup(self, bhxh_code: str) -> InsuredPerson | None:
        path = "/insured/" + path_segment(bhxh_code)
        reply = await self._http.request("GET", path, not_found=True)
        if reply is None:
            return None
        try:
            return insured_from_json(reply.body)
        except WireError as exc:
            raise bad_reply("bhxh", str(exc)) from exc


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
