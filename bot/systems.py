"""The external systems regbot talks to: one row each (name, URL setting, HTTP client,
simulator), read by the settings (which are simulated), the `/sim` mount and the wiring.

The client and simulator builders import their modules when called, so reading the
table (the settings do) loads no HTTP stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import aiohttp
    from aiohttp import web

    from integrations.http import Observe, RetryPolicy
    from integrations.simulators import OnMessage, SamplePeople
    from pki_bridge.testing.authority import CertificateAuthority


@dataclass(frozen=True, slots=True)
class SimulatorSetup:
    """What the simulators are built with in one process."""

    on_sms: OnMessage | None = None  # the terminal demo prints every SMS
    samples: SamplePeople | None = None  # people pre-loaded in the registers
    ca: CertificateAuthority | None = None  # the CA that issues simulated signing SIMs


ClientFactory = Callable[["aiohttp.ClientSession", str, "RetryPolicy", "Observe | None"], Any]
SimulatorFactory = Callable[[SimulatorSetup], "web.Application"]


@dataclass(frozen=True, slots=True)
class ExternalSystem:
    name: str  # also where its simulator is mounted: /sim/{name}
    setting: str  # the environment variable holding its base URL
    client: ClientFactory
    simulator: SimulatorFactory


def _sms_client(http: aiohttp.ClientSession, url: str, policy: RetryPolicy, observe: Any) -> Any:
    from integrations.clients import sms_gateway

    return sms_gateway(http, url, policy=policy, observe=observe)


def _carrier_client(
    http: aiohttp.ClientSession, url: str, policy: RetryPolicy, observe: Any
) -> Any:
    from integrations.clients import carrier_register

    return carrier_register(http, url, policy=policy, observe=observe)


def _insured_client(
    http: aiohttp.ClientSession, url: str, policy: RetryPolicy, observe: Any
) -> Any:
    from integrations.clients import insured_register

    return insured_register(http, url, policy=policy, observe=observe)


def _mssp_client(http: aiohttp.ClientSession, url: str, policy: RetryPolicy, observe: Any) -> Any:
    from pki_bridge.mssp_client import MsspHttpClient

    return MsspHttpClient(http, url, policy=policy, observe=observe)


def _sms_simulator(setup: SimulatorSetup) -> web.Application:
    from integrations.simulators import sms_simulator

    return sms_simulator(on_message=setup.on_sms)


def _carrier_simulator(setup: SimulatorSetup) -> web.Application:
    from integrations.simulators import carrier_simulator

    return carrier_simulator(setup.samples.subscribers if setup.samples else ())


def _insured_simulator(setup: SimulatorSetup) -> web.Application:
    from integrations.simulators import insured_simulator

    return insured_simulator(setup.samples.insured if setup.samples else ())


def _mssp_simulator(setup: SimulatorSetup) -> web.Application:
    from pki_bridge.testing.mssp_simulator import build_mssp_simulator

    if setup.ca is None:
        raise ValueError("the MSSP simulator needs the CA that issues its SIMs")
    return build_mssp_simulator(setup.ca)


SYSTEMS: Final = (
    ExternalSystem("sms", "SMS_URL", _sms_client, _sms_simulator),
    ExternalSystem("carrier", "CARRIER_URL", _carrier_client, _carrier_simulator),
    ExternalSystem("bhxh", "BHXH_URL", _insured_client, _insured_simulator),
    ExternalSystem("mssp", "MSSP_URL", _mssp_client, _mssp_simulator),
)
