"""Timeouts, retries with backoff and refusals of the HTTP clients, proven over real HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.clients import CarrierHttpClient, InsuredHttpClient, SmsHttpClient
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from integrations.http import RetryPolicy
from integrations.simulators import build_simulators_app, sample_people

FAST = RetryPolicy(timeout=0.3, attempts=3, backoff=0.01)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
Observed = list[tuple[str, float, str]]


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
def observed() -> Observed:
    return []


def observe_into(observed: Observed) -> Callable[[str, float, str], None]:
    return lambda system, seconds, outcome: observed.append((system, seconds, outcome))


async def control(
    session: aiohttp.ClientSession, server: TestServer, system: str, body: Any = None
) -> Any:
    url = str(server.make_url(f"/sim/{system}/faults"))
    async with session.request("POST" if body is not None else "GET", url, json=body) as r:
        return r.status, await r.json()


async def requests_served(session: aiohttp.ClientSession, server: TestServer, system: str) -> int:
    _, state = await control(session, server, system)
    return int(state["requests"])


async def test_a_carrier_that_fails_twice_with_503_is_asked_three_times_and_answers(
    session: aiohttp.ClientSession, server: TestServer, observed: Observed
) -> None:
    await control(session, server, "carrier", {"status": 503, "count": 2})
    carrier = CarrierHttpClient(
        session, str(server.make_url("/sim/carrier")), policy=FAST, observe=observe_into(observed)
    )

    subscriber = await carrier.lookup("+84912345678")

    assert subscriber is not None and subscriber.msisdn == "+84912345678"
    assert await requests_served(session, server, "carrier") == 3
    assert [(system, outcome) for system, _, outcome in observed] == [
        ("carrier", "server_error"),
        ("carrier", "server_error"),
        ("carrier", "ok"),
    ]


async def test_an_sms_gateway_that_keeps_failing_is_unavailable_after_three_attempts(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    await control(session, server, "sms", {"status": 502, "count": 5})
    sms = SmsHttpClient(session, str(server.make_url("/sim/sms")), policy=FAST)

    with pytest.raises(IntegrationUnavailable) as unavailable:
        await sms.send("+84912345678", "Mã OTP: 123456")

    assert unavailable.value.system == "sms"
    assert await requests_served(session, server, "sms") == 3
    async with session.get(str(server.make_url("/sim/sms/outbox"))) as response:
        assert await response.json() == []


@pytest.mark.parametrize("status", [400, 409, 422, 429])
async def test_a_refusal_is_never_retried(
    session: aiohttp.ClientSession, server: TestServer, status: int
) -> None:
    await control(session, server, "bhxh", {"status": status, "count": 3})
    bhxh = InsuredHttpClient(session, str(server.make_url("/sim/bhxh")), policy=FAST)

    with pytest.raises(IntegrationRejected) as rejected:
        await bhxh.lookup("0123456789")

    assert rejected.value.status == status
    assert await requests_served(session, server, "bhxh") == 1


async def test_a_register_that_hangs_times_out_as_unavailable(
    session: aiohttp.ClientSession, server: TestServer, observed: Observed
) -> None:
    await control(session, server, "bhxh", {"delay": 1, "count": 2})
    policy = RetryPolicy(timeout=0.2, attempts=2, backoff=0.01)
    bhxh = InsuredHttpClient(
        session, str(server.make_url("/sim/bhxh")), policy=policy, observe=observe_into(observed)
    )

    started = time.perf_counter()
    with pytest.raises(IntegrationUnavailable) as failed:
        await bhxh.lookup("0123456789")

    assert time.perf_counter() - started < 0.9
    assert [outcome for _, _, outcome in observed] == ["timeout", "timeout"]
    assert all(0.15 < seconds < 0.5 for _, seconds, _ in observed)
    assert await requests_served(session, server, "bhxh") == 2
    assert not failed.value.uncertain  # a lookup changes nothing, done or not


async def test_one_slow_answer_is_retried_and_the_person_is_found(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    await control(session, server, "bhxh", {"delay": 1, "count": 1})
    policy = RetryPolicy(timeout=0.2, attempts=2, backoff=0.01)
    bhxh = InsuredHttpClient(session, str(server.make_url("/sim/bhxh")), policy=policy)

    person = await bhxh.lookup("0123456789")

    assert person is not None and person.full_name == "Đỗ Quang Huy"


async def test_an_sms_that_timed_out_is_not_sent_again(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    """The gateway may have sent it: a second POST would put two codes on the phone."""
    await control(session, server, "sms", {"delay": 1, "count": 1})
    policy = RetryPolicy(timeout=0.2, attempts=3, backoff=0.01)
    sms = SmsHttpClient(session, str(server.make_url("/sim/sms")), policy=policy)

    with pytest.raises(IntegrationUnavailable) as failed:
        await sms.send("+84912345678", "Ma OTP: 123456")

    assert await requests_served(session, server, "sms") == 1
    assert failed.value.uncertain  # the dialog keeps the code that may be on its way


async def test_the_carrier_is_asked_for_the_number_as_the_contract_writes_it(
    session: aiohttp.ClientSession, aiohttp_server: ServerFactory
) -> None:
    seen: list[str] = []

    async def subscriber(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({}, status=404)

    app = web.Application()
    app.router.add_get("/subscribers/{number}", subscriber)
    carrier = CarrierHttpClient(session, str((await aiohttp_server(app)).make_url("")))

    assert await carrier.lookup("+84912345678") is None
    assert seen == ["/subscribers/+84912345678"]


async def test_a_register_that_refuses_connections_is_unavailable(
    session: aiohttp.ClientSession, observed: Observed
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    carrier = CarrierHttpClient(
        session,
        f"http://127.0.0.1:{closed_port}/sim/carrier",
        policy=FAST,
        observe=observe_into(observed),
    )

    with pytest.raises(IntegrationUnavailable):
        await carrier.lookup("+84912345678")

    assert [outcome for _, _, outcome in observed] == ["connection_error"] * 3


async def test_a_404_from_the_sms_gateway_is_a_refusal_not_a_missing_record(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    sms = SmsHttpClient(session, str(server.make_url("/sim/no-such-gateway")), policy=FAST)

    with pytest.raises(IntegrationRejected) as rejected:
        await sms.send("+84912345678", "hello")

    assert rejected.value.status == 404


async def test_a_broken_metrics_hook_does_not_break_a_lookup(
    session: aiohttp.ClientSession, server: TestServer
) -> None:
    def broken(system: str, seconds: float, outcome: str) -> None:
        raise RuntimeError("metrics down")

    carrier = CarrierHttpClient(
        session, str(server.make_url("/sim/carrier")), policy=FAST, observe=broken
    )

    assert await carrier.lookup("+84912345678") is not None


def test_the_default_policy_waits_longer_before_each_retry() -> None:
    policy = RetryPolicy()

    assert (policy.timeout, policy.attempts) == (5.0, 3)
    assert [policy.delay_before(n) for n in (2, 3)] == [0.2, 0.4]


@pytest.mark.parametrize(
    "body",
    [
        {"status": 200},
        {"status": "503"},
        {"delay": -1},
        {"delay": 61},
        {"count": -1},
        {"count": 2},
        [503],
    ],
)
async def test_the_fault_switch_refuses_nonsense(
    session: aiohttp.ClientSession, server: TestServer, body: Any
) -> None:
    status, reply = await control(session, server, "carrier", body)

    assert status == 400
    assert reply["error"]
