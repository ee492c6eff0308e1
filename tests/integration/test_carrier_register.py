"""The carrier subscriber register client against its simulator, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.carrier import Subscriber, SubscriberOwner
from integrations.clients import CarrierHttpClient
from integrations.http import RetryPolicy
from integrations.simulators import build_simulators_app, sample_people

FAST = RetryPolicy(timeout=1.0, attempts=3, backoff=0.01)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

OWNER = {"id_number": "079185004321", "full_name": "Trần Thị Bình", "date_of_birth": "1985-11-02"}
CONTRACT_REPLY: dict[str, Any] = {
    "msisdn": "+84987654321",
    "carrier": "Viettel",
    "owner_registered": True,
    "owner": OWNER,
}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def server(aiohttp_server: ServerFactory) -> TestServer:
    root = web.Application()
    root.add_subapp("/sim", build_simulators_app(samples=sample_people()))
    return await aiohttp_server(root)


@pytest.fixture
def carrier(session: aiohttp.ClientSession, server: TestServer) -> CarrierHttpClient:
    return CarrierHttpClient(session, str(server.make_url("/sim/carrier")), policy=FAST)


async def post(session: aiohttp.ClientSession, server: TestServer, body: Any) -> tuple[int, Any]:
    url = str(server.make_url("/sim/carrier/subscribers"))
    data = body if isinstance(body, bytes) else None
    async with session.post(url, data=data, json=None if data else body) as response:
        return response.status, await response.json()


async def test_a_subscriber_added_through_the_control_endpoint_is_found_by_number(
    carrier: CarrierHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    status, _ = await post(session, server, CONTRACT_REPLY)
    assert status == 201

    subscriber = await carrier.lookup("+84987654321")

    assert subscriber == Subscriber(
        msisdn="+84987654321",
        carrier="Viettel",
        owner_registered=True,
        owner=SubscriberOwner("079185004321", "Trần Thị Bình", date(1985, 11, 2)),
    )


async def test_the_simulator_answers_in_exactly_the_contract_shape(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    await post(session, server, CONTRACT_REPLY)

    async with session.get(str(server.make_url("/sim/carrier/subscribers/%2B84987654321"))) as r:
        assert r.status == 200
        assert await r.json() == CONTRACT_REPLY


async def test_an_unknown_number_is_not_found_rather_than_an_error(
    carrier: CarrierHttpClient,
) -> None:
    assert await carrier.lookup("+84399999999") is None


async def test_the_simulator_counts_which_numbers_it_was_asked_for_found_or_not(
    carrier: CarrierHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    """So a story that loads a subscriber it never looks up fails (transcript tests)."""
    await carrier.lookup("+84987654321")
    await carrier.lookup("+84987654321")
    await carrier.lookup("+84399999999")

    async with session.get(str(server.make_url("/sim/carrier/lookups"))) as response:
        assert response.status == 200
        assert await response.json() == {"+84987654321": 2, "+84399999999": 1}


async def test_the_demo_numbers_are_preloaded_with_their_ownership(
    carrier: CarrierHttpClient,
) -> None:
    owned = await carrier.lookup("+84912345678")
    not_owner_registered = await carrier.lookup("+84987654321")
    someone_elses = await carrier.lookup("+84381234567")

    assert owned is not None and owned.owner_registered
    assert owned.owner is not None and owned.owner.full_name == "Nguyễn Văn An"
    assert not_owner_registered is not None and not not_owner_registered.owner_registered
    assert someone_elses is not None and someone_elses.owner is not None
    assert someone_elses.owner.full_name == "Phạm Thị Hoa"


async def test_a_subscriber_without_a_known_owner_round_trips_as_none(
    carrier: CarrierHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    await post(session, server, {**CONTRACT_REPLY, "owner_registered": False, "owner": None})

    subscriber = await carrier.lookup("+84987654321")

    assert subscriber is not None and subscriber.owner is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "JSON"),
        ({**CONTRACT_REPLY, "msisdn": "0987654321"}, "msisdn"),
        ({k: v for k, v in CONTRACT_REPLY.items() if k != "owner_registered"}, "owner_registered"),
        ({**CONTRACT_REPLY, "owner_registered": "yes"}, "owner_registered"),
        ({**CONTRACT_REPLY, "owner": {**OWNER, "date_of_birth": "02/11/1985"}}, "date_of_birth"),
        ({**CONTRACT_REPLY, "owner": {**OWNER, "id_number": "12345"}}, "id_number"),
        ({**CONTRACT_REPLY, "carrier": ""}, "carrier"),
    ],
)
async def test_the_control_endpoint_refuses_a_malformed_subscriber_and_says_which_field(
    carrier: CarrierHttpClient,
    session: aiohttp.ClientSession,
    server: TestServer,
    body: Any,
    field: str,
) -> None:
    status, reply = await post(session, server, body)

    assert status == 400
    assert field in reply["error"]
    unchanged = await carrier.lookup("+84987654321")
    assert unchanged is not None and unchanged.owner_registered is False  # still the sample
