"""A test PKI whose CRLs, OCSP responders and CA certificates are served over real HTTP
(loopback) by the PKI simulator."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from pki_bridge import Verified
from pki_bridge.revocation import RevocationSource
from pki_bridge.testing.pki_server import PKI_STATE, PkiSimulatorState, build_pki_simulator
from pki_bridge.testing.testca import TestPki, build_test_pki
from pki_bridge.validation import CertificateChecker
from tests.conftest import SoftToken  # noqa: F401 - the token fixture is shared from there


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PkiWorld:
    pki: TestPki
    base_url: str
    state: PkiSimulatorState
    session: aiohttp.ClientSession
    public: CertificateChecker
    gov: CertificateChecker


@pytest.fixture
async def pki_world() -> AsyncIterator[PkiWorld]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pki = build_test_pki(f"{base}/sim/pki")
    root = web.Application()
    sim = build_pki_simulator(pki.root, pki.authorities)
    root.add_subapp("/sim/pki", sim)
    server = TestServer(root, host="127.0.0.1", port=port)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        revocation = RevocationSource(session, timeout=2.0)
        yield PkiWorld(
            pki,
            base,
            sim[PKI_STATE],
            session,
            CertificateChecker(pki.public_anchors, revocation),
            CertificateChecker(pki.gov_anchors, revocation, official=True),
        )
    await server.close()


async def faults(world: PkiWorld, **switches: object) -> None:
    """Make the CAs fail or lie (`POST /sim/pki/faults`); no switch: all healthy again."""
    async with world.session.post(f"{world.base_url}/sim/pki/faults", json=switches) as resp:
        assert resp.status == 200, await resp.text()


async def check(world: PkiWorld, name: str, *, chain: bool = True) -> Verified:
    """The public checker's verdict on the test PKI user `name` (with its chain or not)."""
    user = world.pki.users[name]
    return await world.public.check(user.der, user.chain_ders if chain else [])
