"""`/sim` hands out every OTP and register record and mints signing SIMs: a `regbot serve`
listening on every address still answers it only to its own machine."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.stories import CALLER, free_port, serve_env, start_serve, stop


def this_machines_address() -> str | None:
    """An address of this machine other than the loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this picks the interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


async def test_the_simulators_answer_only_the_loopback_and_no_proxy(tmp_path: Path) -> None:
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address besides the loopback")
    port = free_port()
    served = await start_serve(
        serve_env(tmp_path), tmp_path / "serve.log", port, "--host", "0.0.0.0"
    )
    outbox = f"/sim/sms/outbox?to={CALLER.replace('+', '%2B')}"
    form = {"sessionId": "far-1", "serviceCode": "*123#", "phoneNumber": CALLER, "text": ""}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}{outbox}") as local:
                assert local.status == 200
            async with http.get(f"http://{address}:{port}{outbox}") as far:
                assert far.status == 404
            relayed = {"X-Forwarded-For": "203.0.113.7"}
            async with http.get(f"http://127.0.0.1:{port}{outbox}", headers=relayed) as proxied:
                assert proxied.status == 404
            async with http.post(
                f"http://{address}:{port}/sim/carrier/subscribers", json={"msisdn": CALLER}
            ) as mint:
                assert mint.status == 404
            # the service itself answers everyone, and still reaches its simulators
            async with http.post(f"http://{address}:{port}/ussd", data=form) as ussd:
                assert ussd.status == 200 and (await ussd.text()).startswith("CON ")
    finally:
        stop(served)


async def test_a_service_on_one_outside_address_still_reaches_its_own_simulators(
    tmp_path: Path,
) -> None:
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address besides the loopback")
    port = free_port()
    served = await start_serve(serve_env(tmp_path), tmp_path / "serve.log", port, "--host", address)
    inputs = ["1", "1", "Nguyen Van An", "17051990", "001090012345", "1", "1", "1"]
    form = {"sessionId": "far-2", "serviceCode": "*123#", "phoneNumber": CALLER}
    try:
        async with aiohttp.ClientSession() as http:
            for typed in range(len(inputs) + 1):
                text = "*".join(inputs[:typed])
                url = f"http://{address}:{port}/ussd"
                async with http.post(url, data={**form, "text": text}) as response:
                    screen = await response.text()
    finally:
        stop(served)
    # the summary's "confirm" asked the carrier and the SMS simulators, over the loopback
    assert "OTP" in screen and "09*****678" in screen, screen
