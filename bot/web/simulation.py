"""What the embedded default mounts under `/sim`: a simulator for every external system
whose URL is unset (`bot.systems`), and the signing CA they trust.

The SIM-signing simulator issues SIMs from its own CA, whose CRL and OCSP responder are
served at `/sim/pki`; that CA joins the public trust anchors. Government anchors come only
from `PKI_GOV_TRUST_ANCHORS` - or, in `regbot demo`, from a test PKI the PKI simulator
publishes, so a USB token can be played with `regbot sign LINK --p12 FILE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from cryptography import x509

from bot.config import ConfigError, Settings
from bot.systems import SYSTEMS, SimulatorSetup
from integrations.simulators import SIMULATORS, OnMessage, sample_people, this_machine_only
from pki_bridge.testing.mssp_simulator import simulator_ca
from pki_bridge.testing.pki_server import build_pki_simulator
from pki_bridge.testing.testca import TestPki
from pki_bridge.validation import load_trust_anchors


@dataclass(frozen=True, slots=True)
class Simulation:
    """The `/sim` app (None when every system is real) and the anchors it adds."""

    web_app: web.Application | None = None
    public_anchors: tuple[x509.Certificate, ...] = ()
    gov_anchors: tuple[x509.Certificate, ...] = ()

    def trust_anchors(
        self, settings: Settings
    ) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
        """(public, government) anchors: the settings' bundles, plus the simulated CAs."""
        return (
            [*self.public_anchors, *_anchors("PKI_TRUST_ANCHORS", settings.pki_trust_anchors)],
            [*self.gov_anchors, *_anchors("PKI_GOV_TRUST_ANCHORS", settings.pki_gov_trust_anchors)],
        )


def simulation(
    settings: Settings,
    self_url: str,
    on_sms: OnMessage | None = None,
    samples: bool = False,
    demo_pki: TestPki | None = None,
    platforms: Mapping[str, web.Application] | None = None,
    open_to_network: bool = False,
) -> Simulation:
    """`platforms`: simulators of the channels' platforms (Zalo), mounted beside them.
    `open_to_network`: answer other machines too (`regbot simulators --open`, a test
    network's partners); otherwise they get 404, as `this_machine_only` says why."""
    simulated = set(settings.simulated)
    if not simulated and not platforms:
        return Simulation()
    ca = simulator_ca(f"{self_url.rstrip('/')}/sim/pki") if "mssp" in simulated else None
    setup = SimulatorSetup(on_sms, sample_people() if samples else None, ca)
    apps = {system.name: system.simulator(setup) for system in SYSTEMS if system.name in simulated}
    apps.update(platforms or {})
    if ca is not None:
        authorities = {"mssp": ca, **(demo_pki.authorities if demo_pki else {})}
        apps["pki"] = build_pki_simulator(ca, authorities)
    sim = web.Application(middlewares=[] if open_to_network else [this_machine_only])
    sim[SIMULATORS] = apps
    for name, app in apps.items():
        sim.add_subapp(f"/{name}", app)
    return Simulation(
        sim,
        (ca.certificate, *demo_pki.public_anchors)
        if ca and demo_pki
        else ((ca.certificate,) if ca else ()),
        tuple(demo_pki.gov_anchors) if ca and demo_pki else (),
    )


def _anchors(name: str, value: str | None) -> list[x509.Certificate]:
    if not value:
        return []
    try:
        return load_trust_anchors(value)
    except ValueError as exc:
        raise ConfigError(f"{name} cannot be read ({exc})") from exc
