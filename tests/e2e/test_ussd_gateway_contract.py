"""The gateway's side of `POST /ussd`: the shared secret and malformed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import TurnRecord
from tests.e2e.conftest import BotHarness, harness_settings, make_harness

CALLER = "+84912345678"
SECRET = "gateway-shared-secret"


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[tuple[BotHarness, list[TurnRecord]]]:
    async with make_harness(harness_settings(tmp_path, ussd_secret=SECRET)) as harness:
        turns: list[TurnRecord] = []
        harness.engine.add_observer(turns.append)
        yield harness, turns


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


FIRST = {"sessionId": "s-1", "serviceCode": "*123#", "phoneNumber": CALLER, "text": ""}


async def test_a_gateway_without_the_secret_is_refused_and_nothing_happens(
    guarded: tuple[BotHarness, list[TurnRecord]],
) -> None:
    bot, turns = guarded
    for headers, query in (({}, {}), ({"X-USSD-Secret": "wrong"}, {}), ({}, {"secret": "no"})):
        response = await bot.client.post("/ussd", data=FIRST, headers=headers, params=query)
        assert response.status == 403
    assert turns == []  # no dialog turn ran, no state was written
    async with bot.engine.conversation("ussd", CALLER) as conversation:
        assert conversation.record.empty  # nothing was stored for the caller


async def test_a_gateway_with_the_secret_in_the_header_is_served(
    guarded: tuple[BotHarness, list[TurnRecord]],
) -> None:
    bot, turns = guarded
    by_header = await bot.client.post("/ussd", data=FIRST, headers={"X-USSD-Secret": SECRET})
    assert by_header.status == 200
    assert (await by_header.text()).startswith("CON ")
    response = await bot.client.post(
        "/ussd", data={**FIRST, "text": "1"}, headers={"X-USSD-Secret": SECRET}
    )
    assert response.status == 200 and "Thue bao di dong" in await response.text()
    assert len(turns) == 2


async def test_the_secret_in_the_query_string_is_refused(
    guarded: tuple[BotHarness, list[TurnRecord]],
) -> None:
    """A secret in a URL lands in access logs, proxies and the gateway's dashboards."""
    bot, turns = guarded
    response = await bot.client.post("/ussd", data=FIRST, params={"secret": SECRET})
    assert response.status == 403
    assert turns == []


@pytest.mark.parametrize(
    ("form", "why"),
    [
        ({"serviceCode": "*123#", "phoneNumber": CALLER, "text": ""}, "sessionId"),
        ({"sessionId": "s-2", "serviceCode": "*123#", "text": ""}, "phoneNumber"),
        ({"sessionId": "s-3", "phoneNumber": "0912345678", "text": ""}, "E.164"),
        ({"sessionId": "s-4", "phoneNumber": "+84abc", "text": ""}, "E.164"),
        # digits of another script: the same phone as +84912345678 for the SMS, but a
        # caller of its own for the conversation and the per-caller limits
        ({"sessionId": "s-7", "phoneNumber": "+8\u0664912345678", "text": ""}, "E.164"),
        ({"sessionId": "s-8", "phoneNumber": " 8\u0664912345678", "text": ""}, "E.164"),
        ({"sessionId": "s-5", "phoneNumber": CALLER, "text": "1*" * 5000}, "qua dai"),
    ],
)
async def test_a_malformed_request_gets_a_clear_refusal_not_a_server_error(
    bot: BotHarness, form: dict[str, str], why: str
) -> None:
    response = await bot.client.post("/ussd", data=form)
    body = await response.text()
    assert response.status == 400
    assert body.startswith("END ") and why in body and len(body) <= 182 and body.isascii()


async def test_a_body_that_is_not_a_form_is_refused_with_400(bot: BotHarness) -> None:
    for data, content_type in ((b"\xff\xfe{", "application/json"), (b"", "text/plain")):
        response = await bot.client.post("/ussd", data=data, headers={"Content-Type": content_type})
        assert response.status == 400


URLENCODED = "application/x-www-form-urlencoded"
FORM = b"sessionId=s-9&serviceCode=*123%23&phoneNumber=%2B84912345678&text="
MULTIPART = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="sessionId"\r\n'
    b"Content-Transfer-Encoding: bogus\r\n\r\n"
    b"s-9\r\n"
    b"--b--\r\n"
)
MULTIPART_CHARSET = MULTIPART.replace(
    b"Content-Transfer-Encoding: bogus", b"Content-Type: text/plain; charset=bogus"
)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (FORM, {"Content-Type": f"{URLENCODED}; charset=bogus"}),
        (FORM, {"Content-Type": URLENCODED, "Content-Encoding": "gzip"}),
        (FORM, {"Content-Type": URLENCODED, "Content-Encoding": "deflate"}),
        (MULTIPART, {"Content-Type": "multipart/form-data; boundary=b"}),
        (MULTIPART_CHARSET, {"Content-Type": "multipart/form-data; boundary=b"}),
    ],
    ids=["unknown charset", "not gzip", "not deflate", "transfer encoding", "part charset"],
)
async def test_a_body_its_headers_misdescribe_is_refused_with_400_not_a_server_error(
    guarded: tuple[BotHarness, list[TurnRecord]],
    body: bytes,
    headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot, turns = guarded
    response = await bot.client.post(
        "/ussd", data=body, headers={**headers, "X-USSD-Secret": SECRET}
    )
    text = await response.text()
    assert response.status == 400
    assert text.startswith("END ") and text.isascii() and len(text) <= 182
    assert turns == []
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_number_with_an_unencoded_plus_is_still_understood(bot: BotHarness) -> None:
    body = "sessionId=s-6&serviceCode=*123%23&phoneNumber=+84912345678&text="
    response = await bot.client.post(
        "/ussd", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 200
    assert (await response.text()).startswith("CON ")
