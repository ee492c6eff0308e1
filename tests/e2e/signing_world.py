"""The world of the USB-token stories: regbot on a test server trusting a test PKI whose
CRLs, OCSP responders and CA certificates a separate CA server publishes over HTTP, and a
person's computer that signs."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.engine.messages import Action
from pki_bridge.testing.authority import pem_bundle
from pki_bridge.testing.pki_server import PKI_STATE, PkiSimulatorState, build_pki_simulator
from pki_bridge.testing.testca import TestPki, build_test_pki
from tests.e2e.conftest import BotHarness, harness_settings, make_harness

LINK = re.compile(r"https?://\S+/sign/[A-Za-z0-9_-]+")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SigningWorld:
    bot: BotHarness
    pki: TestPki
    ca: PkiSimulatorState  # the CA server's fault switches and request counts
    http: aiohttp.ClientSession  # the person's computer
    ca_url: str  # the CA server's /sim/pki

    async def ca_faults(self, **switches: object) -> None:
        """Make the CAs fail (POST /sim/pki/faults); no switch: all healthy again."""
        async with self.http.post(f"{self.ca_url}/faults", json=switches) as resp:
            assert resp.status == 200, await resp.text()

    async def choose(self, user: str, key: str) -> list[str]:
        return self.bot.screen(await self.bot.send(user, action=Action.CHOOSE, choice=key))

    async def get_link(self, user: str, kind: str = "citizen", method: str = "usb") -> str:
        """First screen -> kind -> method -> "get the signing link": the link shown."""
        await self.bot.send(user)
        await self.choose(user, kind)
        await self.choose(user, method)
        screen = "\n".join(await self.choose(user, "get_link"))
        found = LINK.search(screen)
        assert found, screen
        return found.group(0)

    async def post(self, url: str, body: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(url, json=body) as resp:
            return resp.status, await resp.json(content_type=None)


@pytest.fixture(scope="session", name="ca_port")
def ca_port_fixture() -> int:
    return _free_port()


@pytest.fixture(scope="session", name="test_pki")
def test_pki_fixture(ca_port: int) -> TestPki:
    """Built once: keys are the slow part; each test still gets its own regbot and CA server."""
    return build_test_pki(f"http://127.0.0.1:{ca_port}/sim/pki")


@pytest.fixture(name="signing_world")
async def signing_world_fixture(
    tmp_path: Path, test_pki: TestPki, ca_port: int
) -> AsyncIterator[SigningWorld]:
    async with open_signing_world(tmp_path, test_pki, ca_port) as world:
        yield world


@asynccontextmanager
async def open_signing_world(
    tmp_path: Path, test_pki: TestPki, ca_port: int, **settings: Any
) -> AsyncIterator[SigningWorld]:
    """The world, with `settings` on top of the harness's (e.g. the signing tools)."""
    root = web.Application()
    sim = build_pki_simulator(test_pki.root, test_pki.authorities)
    root.add_subapp("/sim/pki", sim)
    ca_server = TestServer(root, host="127.0.0.1", port=ca_port)
    await ca_server.start_server()
    anchors, gov = tmp_path / "anchors.pem", tmp_path / "gov-anchors.pem"
    anchors.write_bytes(pem_bundle(test_pki.public_anchors))
    gov.write_bytes(pem_bundle(test_pki.gov_anchors))
    harness = harness_settings(
        tmp_path, pki_trust_anchors=str(anchors), pki_gov_trust_anchors=str(gov), **settings
    )
    try:
        async with make_harness(harness) as bot, aiohttp.ClientSession() as http:
            ca_url = f"http://127.0.0.1:{ca_port}/sim/pki"
            yield SigningWorld(bot, test_pki, sim[PKI_STATE], http, ca_url)
    finally:
        await ca_server.close()
