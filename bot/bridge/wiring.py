"""How `bot.app` wires the signing ports: anchors, MSSP client or simulator, links, events."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from aiohttp import web
from cryptography import x509

from bot.bridge.events import ChannelPushes, SigningEvents
from bot.bridge.links import SigningLinks
from bot.bridge.ports import Signing
from bot.bridge.web import SIGNING, add_signing_routes
from bot.config import ConfigError, Settings
from bot.i18n import Translator
from bot.keys import SecretKeys
from bot.state.store import StateStore
from integrations.http import Observe, RetryPolicy
from pki_bridge import (
    CertificateChecker,
    MsspHttpClient,
    RevocationSource,
    build_mssp_simulator,
    build_pki_simulator,
    load_trust_anchors,
    simulator_ca,
)
from pki_bridge.testca import TestPki


@dataclass(frozen=True, slots=True)
class SigningSetup:
    """What is fixed before start-up: who can push, and the simulator CA trusted in demo."""

    pushes: ChannelPushes
    demo_anchors: tuple[x509.Certificate, ...] = ()
    demo_gov_anchors: tuple[x509.Certificate, ...] = ()


PUSHES = web.AppKey("pushes", ChannelPushes)
SIGNING_SETUP = web.AppKey("signing_setup", SigningSetup)


def prepare_signing(
    app: web.Application, settings: Settings, self_url: str, demo_pki: TestPki | None = None
) -> dict[str, web.Application]:
    """Add `/sign/{token}` and the push registry (channels register on `app[PUSHES]`).

    Returns the simulators to mount under `/sim` when `MSSP_URL` is unset: `mssp` (signing
    SIMs from its own CA) and `pki` (that CA as `/sim/pki/ca.pem`, its CRL and OCSP). That CA
    then joins the public trust anchors; Government anchors come only from
    `PKI_GOV_TRUST_ANCHORS` (pki_bridge has no simulated Government CA: use
    `regbot pki test-ca`, whose CRLs and OCSP must then be served at its `--base-url`) - or,
    in `regbot demo`, from `demo_pki`: a test PKI the PKI simulator publishes, so a
    USB token can be played with `regbot sign LINK --p12 FILE`.
    """
    pushes = ChannelPushes()
    app[PUSHES] = pushes
    add_signing_routes(app)
    if settings.mssp_url:
        app[SIGNING_SETUP] = SigningSetup(pushes)
        return {}
    ca = simulator_ca(f"{self_url.rstrip('/')}/sim/pki")
    authorities = {"mssp": ca, **(demo_pki.authorities if demo_pki else {})}
    app[SIGNING_SETUP] = SigningSetup(
        pushes,
        (ca.certificate, *(demo_pki.public_anchors if demo_pki else ())),
        tuple(demo_pki.gov_anchors) if demo_pki else (),
    )
    return {"mssp": build_mssp_simulator(ca), "pki": build_pki_simulator(ca, authorities)}


def _anchors(name: str, value: str | None) -> list[x509.Certificate]:
    if not value:
        return []
    try:
        return load_trust_anchors(value)
    except ValueError as exc:
        raise ConfigError(f"{name} cannot be read ({exc})") from exc


def open_signing(
    app: web.Application,
    settings: Settings,
    self_url: str,
    *,
    http: aiohttp.ClientSession,
    store: StateStore,
    keys: SecretKeys,
    translator: Translator,
    policy: RetryPolicy,
    observe: Observe | None = None,
) -> Signing:
    """The signing ports over the app's HTTP session (closed with the app)."""
    setup = app[SIGNING_SETUP]
    public = [*setup.demo_anchors, *_anchors("PKI_TRUST_ANCHORS", settings.pki_trust_anchors)]
    gov = [
        *setup.demo_gov_anchors,
        *_anchors("PKI_GOV_TRUST_ANCHORS", settings.pki_gov_trust_anchors),
    ]
    revocation = RevocationSource(http)
    mssp_url = settings.mssp_url or f"{self_url.rstrip('/')}/sim/mssp"
    signing = Signing(
        mssp=MsspHttpClient(http, mssp_url, policy=policy, observe=observe),
        public=CertificateChecker(public, revocation),
        gov=CertificateChecker(gov, revocation, official=True),
        links=SigningLinks(store, keys.state, keys.tokens),
        events=SigningEvents(setup.pushes),
        translator=translator,
        public_url=settings.public_url or self_url,
    )
    app[SIGNING] = signing
    return signing
