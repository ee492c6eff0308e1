"""Simulators of the external systems, mounted together under `/sim` (never in production)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from integrations.simulators.carrier import CARRIER_SUBSCRIBERS, carrier_simulator
from integrations.simulators.faults import FAULTS, FaultSwitch
from integrations.simulators.insured import INSURED_PEOPLE, insured_simulator
from integrations.simulators.samples import SamplePeople, sample_people
from integrations.simulators.sms import SMS_OUTBOX, OnMessage, SentSms, SmsOutbox, sms_simulator

__all__ = [
    "CARRIER_SUBSCRIBERS",
    "FAULTS",
    "INSURED_PEOPLE",
    "SIMULATORS",
    "SMS_OUTBOX",
    "FaultSwitch",
    "OnMessage",
    "SamplePeople",
    "SentSms",
    "SmsOutbox",
    "build_simulators_app",
    "carrier_simulator",
    "insured_simulator",
    "sample_people",
    "sms_simulator",
    "this_machine_only",
]

SIMULATORS = web.AppKey("simulators", dict[str, web.Application])
"""On the `/sim` app: each mounted simulator by name, to reach its state in-process."""

FORWARDED: Final = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def from_this_machine(request: web.Request) -> bool:
    """The peer is a loopback address and no proxy relayed the request (a proxy on this
    machine would otherwise pass the world's requests on as loopback ones)."""
    if any(header in request.headers for header in FORWARDED) or not request.remote:
        return False
    try:
        address = ipaddress.ip_address(request.remote)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@web.middleware
async def this_machine_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The simulators hand out every OTP, carrier and BHXH record and mint signing SIMs:
    from anywhere but this machine they do not exist (404)."""
    if not from_this_machine(request):
        raise web.HTTPNotFound()
    return await handler(request)


def build_simulators_app(
    on_sms: OnMessage | None = None,
    *,
    samples: SamplePeople | None = None,
    extra: Mapping[str, web.Application] | None = None,
) -> web.Application:
    """The `/sim` app: `/sim/sms`, `/sim/carrier`, `/sim/bhxh`, plus `extra` sub-apps.

    Mount it with `app.add_subapp("/sim", build_simulators_app(...))`; a client's base
    URL is then e.g. `http://host:port/sim/carrier`. Other simulators (SIM signing, PKI)
    join with `extra={"mssp": mssp_simulator(), "pki": pki_simulator()}`.

    Args:
        on_sms: told of every SMS the gateway accepts (the terminal demo prints them).
        samples: people to pre-load; None for empty registers (tests add their own).
    """
    simulators = {
        "sms": sms_simulator(on_message=on_sms),
        "carrier": carrier_simulator(samples.subscribers if samples else ()),
        "bhxh": insured_simulator(samples.insured if samples else ()),
        **(extra or {}),
    }
    sim = web.Application(middlewares=[this_machine_only])
    sim[SIMULATORS] = simulators
    for name, app in simulators.items():
        sim.add_subapp(f"/{name}", app)
    return sim
