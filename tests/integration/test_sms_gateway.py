"""The SMS gateway client against its simulator, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.clients import SmsHttpClient
from integrations.errors import IntegrationRejected
from integrations.http import RetryPolicy
from integrations.simulators import build_simulators_app

FAST = RetryPolicy(timeout=1.0, attempts=3, backoff=0.01)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def printed() -> list[tuple[str, str]]:
    return []


@pytest.fixture
async def server(aiohttp_server: ServerFactory, printed: list[tuple[str, str]]) -> TestServer:
    root = web.Application()
    sim = build_simulators_app(on_sms=lambda to, text: printed.append((to, text)))
    root.add_subapp("/sim", sim)
    return await aiohttp_server(root)


@pytest.fixture
def sms(session: aiohttp.ClientSession, server: TestServer) -> SmsHttpClient:
    return SmsHttpClient(session, str(server.make_url("/sim/sms")), policy=FAST)


async def outbox(session: aiohttp.ClientSession, server: TestServer, query: str) -> Any:
    async with session.get(str(server.make_url("/sim/sms/outbox")) + query) as response:
        assert response.status == 200
        return await response.json()


async def test_an_otp_sms_reaches_the_outbox_of_the_number_it_was_sent_to(
    sms: SmsHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    message_id = await sms.send("+84912345678", "Mã OTP DVCQG của bạn là 123456.")

    messages = await outbox(session, server, "?to=%2B84912345678")
    assert [(m["id"], m["to"], m["text"]) for m in messages] == [
        (message_id, "+84912345678", "Mã OTP DVCQG của bạn là 123456.")
    ]
    assert messages[0]["at"]


async def test_the_outbox_lists_one_numbers_messages_oldest_first(
    sms: SmsHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    await sms.send("+84912345678", "first")
    await sms.send("+84987654321", "for someone else")
    await sms.send("+84912345678", "second")
    await sms.send("+84912345678", "third")

    # A `+` typed straight into the query string arrives as a space: still understood.
    messages = await outbox(session, server, "?to=+84912345678")
    assert [m["text"] for m in messages] == ["first", "second", "third"]
    everything = await outbox(session, server, "")
    assert len(everything) == 4


async def test_the_terminal_demo_is_told_of_every_sms_sent(
    sms: SmsHttpClient, printed: list[tuple[str, str]]
) -> None:
    await sms.send("+84381234567", "Mã OTP: 654321")

    assert printed == [("+84381234567", "Mã OTP: 654321")]


async def test_a_message_the_gateway_refuses_is_rejected_without_a_retry(
    sms: SmsHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    with pytest.raises(IntegrationRejected) as refused:
        await sms.send("0912345678", "not E.164")

    assert refused.value.status == 400
    async with session.get(str(server.make_url("/sim/sms/faults"))) as response:
        assert (await response.json())["requests"] == 1
    assert await outbox(session, server, "") == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"to": "+84912345678"}', b'{"to": "+84912345678", "text": 7}'],
)
async def test_the_gateway_answers_400_with_an_error_to_a_malformed_message(
    session: aiohttp.ClientSession, server: TestServer, body: bytes
) -> None:
    url = str(server.make_url("/sim/sms/messages"))
    async with session.post(url, data=body) as response:
        assert response.status == 400
        assert (await response.json())["error"]
