"""The BHXH register client against its simulator, over real HTTP; the demo's sample people."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import aiohttp
import phonenumbers
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.clients import InsuredHttpClient
from integrations.http import RetryPolicy
from integrations.insured import InsuredPerson
from integrations.simulators import build_simulators_app, sample_people

FAST = RetryPolicy(timeout=1.0, attempts=3, backoff=0.01)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

CONTRACT_REPLY = {
    "bhxh_code": "0123400001",
    "full_name": "Hoàng Thị Mai",
    "date_of_birth": "1995-04-08",
    "gender": "female",
    "id_number": "001195000123",
    "phone": "+84912000111",
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
def bhxh(session: aiohttp.ClientSession, server: TestServer) -> InsuredHttpClient:
    return InsuredHttpClient(session, str(server.make_url("/sim/bhxh")), policy=FAST)


async def post(session: aiohttp.ClientSession, server: TestServer, body: Any) -> tuple[int, Any]:
    url = str(server.make_url("/sim/bhxh/insured"))
    data = body if isinstance(body, bytes) else None
    async with session.post(url, data=data, json=None if data else body) as response:
        return response.status, await response.json()


async def test_an_insured_person_added_through_the_control_endpoint_is_found_by_code(
    bhxh: InsuredHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    status, _ = await post(session, server, CONTRACT_REPLY)
    assert status == 201

    person = await bhxh.lookup("0123400001")

    assert person == InsuredPerson(
        bhxh_code="0123400001",
        full_name="Hoàng Thị Mai",
        date_of_birth=date(1995, 4, 8),
        gender="female",
        id_number="001195000123",
        phone="+84912000111",
    )
    async with session.get(str(server.make_url("/sim/bhxh/insured/0123400001"))) as response:
        assert await response.json() == CONTRACT_REPLY


@pytest.mark.parametrize("without_phone", [{"phone": None}, {}])
async def test_an_insured_person_may_have_no_phone_on_record(
    bhxh: InsuredHttpClient,
    session: aiohttp.ClientSession,
    server: TestServer,
    without_phone: dict[str, Any],
) -> None:
    body = {k: v for k, v in CONTRACT_REPLY.items() if k != "phone"} | without_phone
    status, _ = await post(session, server, body)
    assert status == 201

    person = await bhxh.lookup("0123400001")

    assert person is not None and person.phone is None


async def test_the_simulator_counts_which_codes_it_was_asked_for_found_or_not(
    bhxh: InsuredHttpClient, session: aiohttp.ClientSession, server: TestServer
) -> None:
    """So a story that loads a BHXH record it never looks up fails (transcript tests)."""
    await post(session, server, CONTRACT_REPLY)
    await bhxh.lookup("0123400001")
    await bhxh.lookup("9999999999")

    async with session.get(str(server.make_url("/sim/bhxh/lookups"))) as response:
        assert response.status == 200
        assert await response.json() == {"0123400001": 1, "9999999999": 1}


async def test_an_unknown_bhxh_code_is_not_found_rather_than_an_error(
    bhxh: InsuredHttpClient,
) -> None:
    assert await bhxh.lookup("9999999999") is None


async def test_the_demo_has_an_insured_person_with_a_phone_and_one_without(
    bhxh: InsuredHttpClient,
) -> None:
    with_phone = await bhxh.lookup("0123456789")
    without_phone = await bhxh.lookup("7912345678")

    assert with_phone is not None and with_phone.phone == "+84903123456"
    assert without_phone is not None and without_phone.phone is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"\xff not json", "JSON"),
        ({**CONTRACT_REPLY, "bhxh_code": "12345"}, "bhxh_code"),
        ({**CONTRACT_REPLY, "gender": "other"}, "gender"),
        ({**CONTRACT_REPLY, "date_of_birth": "1995-02-30"}, "date_of_birth"),
        ({**CONTRACT_REPLY, "phone": "0912000111"}, "phone"),
        ({k: v for k, v in CONTRACT_REPLY.items() if k != "full_name"}, "full_name"),
        ({**CONTRACT_REPLY, "id_number": 1195000123}, "id_number"),
    ],
)
async def test_the_control_endpoint_refuses_a_malformed_insured_person_and_says_which_field(
    bhxh: InsuredHttpClient,
    session: aiohttp.ClientSession,
    server: TestServer,
    body: Any,
    field: str,
) -> None:
    status, reply = await post(session, server, body)

    assert status == 400
    assert field in reply["error"]
    assert await bhxh.lookup("0123400001") is None


def _cccd_matches(id_number: str, born: date, gender: str) -> bool:
    """The CCCD rule of issue 2 §2: 12 digits, province, century+gender, birth year."""
    century_gender, yy = int(id_number[3]), int(id_number[4:6])
    return (
        len(id_number) == 12
        and id_number.isdigit()
        and 1 <= int(id_number[:3]) <= 96
        and 1900 + 100 * (century_gender // 2) + yy == born.year
        and ("female" if century_gender % 2 else "male") == gender
    )


def _vietnamese_mobile(number: str) -> bool:
    parsed = phonenumbers.parse(number)
    return (
        phonenumbers.region_code_for_number(parsed) == "VN"
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    )


def test_every_sample_person_has_a_valid_cccd_and_a_vietnamese_mobile() -> None:
    samples = sample_people()
    female = {"Trần Thị Bình", "Phạm Thị Hoa"}
    for subscriber in samples.subscribers:
        assert _vietnamese_mobile(subscriber.msisdn), subscriber.msisdn
        owner = subscriber.owner
        assert owner is not None
        gender = "female" if owner.full_name in female else "male"
        assert _cccd_matches(owner.id_number, owner.date_of_birth, gender), owner.id_number
    for person in samples.insured:
        assert _cccd_matches(person.id_number, person.date_of_birth, person.gender)
        assert person.phone is None or _vietnamese_mobile(person.phone), person.phone
    owners = {s.owner.full_name for s in samples.subscribers if s.owner}
    assert any(not s.owner_registered for s in samples.subscribers)
    assert len(owners) == 3
