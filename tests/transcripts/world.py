"""The world a story is told in: a real regbot app with its simulators on a local port,
loaded with the story's fixtures through the simulators' control API, and read back the
same way (SMS outbox, what each simulator was asked for) and from the accounts table."""

from __future__ import annotations

import base64
import dataclasses
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from sqlalchemy import select

from bot.accounts.model import AccountKind, IdType, NewAccount
from bot.accounts.repository import make_engine
from bot.accounts.tables import AccountRow
from bot.bootstrap import Runtime
from bot.config import Settings
from bot.passwords import PasswordHasher
from bot.web.app import RUNTIME, Wiring, create_app
from pki_bridge.testing.authority import pem_bundle
from pki_bridge.testing.pki_server import build_pki_simulator
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import TestPki, build_test_pki
from tests.support.evidence import evidence_for

PUBLIC_URL: Final = "https://regbot.example"  # links people open, the same on every run
VIETNAM: Final = timedelta(hours=7)  # dates are shown in Vietnam's time
HASHER: Final = PasswordHasher("fast")  # any argon2id cost verifies any other's hashes

# fixture name -> (simulator, control endpoint, the field its records are looked up by)
OTHER_FIXTURES: Final = ("accounts", "usb_tokens")  # rows given; test PKI users held
SIMULATED: Final = {
    "carrier_subscribers": ("carrier", "/sim/carrier/subscribers", "msisdn"),
    "bhxh_records": ("bhxh", "/sim/bhxh/insured", "bhxh_code"),
    "signing_sims": ("mssp", "/sim/mssp/sims", "phone"),
}


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    settings: Settings
    pki: TestPki | None = None  # the test PKI whose tokens the person may hold
    given_accounts: int = 0
    loaded: dict[str, list[str]] = field(default_factory=dict)  # fixture -> keys it loaded
    signed_with: set[str] = field(default_factory=set)  # USB tokens that signed a link
    certificate_expiry: set[str] = field(default_factory=set)

    async def load(self, fixtures: dict[str, list[Any]]) -> None:
        unknown = set(fixtures) - {*SIMULATED, *OTHER_FIXTURES}
        if unknown:
            raise AssertionError(
                f"unknown fixtures {sorted(unknown)}: {[*SIMULATED, *OTHER_FIXTURES]}"
            )
        for name, (_, path, key) in SIMULATED.items():
            for body in fixtures.get(name, []):
                response = await self.client.post(path, json=body)
                assert response.status == 201, (name, body, await response.text())
                loaded = await response.json()
                self.loaded.setdefault(name, []).append(str(loaded[key]))  # as stored: E.164
                if name == "signing_sims":
                    self._note_expiry(loaded["certificate"])
        for token in fixtures.get("usb_tokens", []):
            assert self.pki is not None and token in self.pki.users, f"no test PKI user {token}"
            self._note_expiry(self.pki.users[token].der)
        for account in fixtures.get("accounts", []):
            await self.open_account(account)
        self.given_accounts = len(fixtures.get("accounts", []))

    def _note_expiry(self, certificate: str | bytes) -> None:
        """A certificate issued today: its expiry date moves with the calendar."""
        der = base64.b64decode(certificate) if isinstance(certificate, str) else certificate
        expires = x509.load_der_x509_certificate(der)
        for moment in (expires.not_valid_after_utc, expires.not_valid_after_utc + VIETNAM):
            self.certificate_expiry |= {f"{moment:%d/%m/%Y}", f"{moment:%Y-%m-%d}"}

    async def open_account(self, given: dict[str, Any]) -> None:
        password = given.get("password")
        born = given.get("date_of_birth")
        account = NewAccount(
            kind=AccountKind(given["kind"]),
            id_type=IdType(given["id_type"]),
            id_number=given["id_number"],
            full_name=given["full_name"],
            verification_level=int(given["level"]),
            method=given["method"],
            date_of_birth=date.fromisoformat(born) if born else None,
            phone=given.get("phone"),
            email=given.get("email"),
            password_hash=HASHER.hash(password) if password else None,
        )
        await self.runtime.accounts.create(account, evidence_for(account, self.runtime.keys))

    async def outbox(self) -> list[dict[str, str]]:
        await self.runtime.notifier.settle()  # an SMS a turn left for later (password reset)
        response = await self.client.get("/sim/sms/outbox")
        assert response.status == 200
        return [{"to": sms["to"], "text": sms["text"]} for sms in await response.json()]

    async def pending_codes(self, phones: list[str]) -> list[str]:
        """The verification codes of the signature requests waiting on these SIMs."""
        codes = []
        for phone in phones:
            response = await self.client.get("/sim/mssp/pending", params={"phone": phone})
            codes += [str(item["verification_code"]) for item in await response.json()]
        return codes

    async def answer_on_phone(self, phone: str, body: dict[str, str]) -> None:
        """The SIM's owner answers the one request waiting on it, as the phone would."""
        response = await self.client.get("/sim/mssp/pending", params={"phone": phone})
        waiting = await response.json()
        assert len(waiting) == 1, f"expected one signature request on {phone}: {waiting}"
        response = await self.client.post(
            f"/sim/mssp/pending/{waiting[0]['session_id']}", json=body
        )
        assert response.status == 200, await response.text()

    async def sign_link(self, link: str, token: str) -> None:
        """The person opens the signing link on the computer holding the USB token."""
        assert self.pki is not None, "a USB signature needs `usb_tokens` in the fixtures"
        url = link.replace(PUBLIC_URL, str(self.client.make_url("")).rstrip("/"))
        signer = issued_signer(self.pki.users[token])
        status, body = await sign_url(url, signer, session=self.client.session)
        assert status == 200, f"the signing page refused {token}'s signature: {status} {body}"
        self.signed_with.add(token)

    async def unused(self, fixtures: dict[str, list[Any]]) -> list[str]:
        """The fixtures no simulator was asked for (goflow fails on an unused HTTP mock)."""
        dead = [
            f"usb_tokens: {token}"
            for token in fixtures.get("usb_tokens", [])
            if token not in self.signed_with
        ]
        for name, keys in self.loaded.items():
            response = await self.client.get(f"/sim/{SIMULATED[name][0]}/lookups")
            asked = await response.json()
            dead += [f"{name}: {key}" for key in keys if not asked.get(key)]
        return dead

    async def accounts(self) -> list[dict[str, Any]]:
        """The accounts the story created: what they are, never what they hold."""
        engine = make_engine(self.settings.accounts_url)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(select(AccountRow).order_by(AccountRow.id))).all()
        finally:
            await engine.dispose()
        return [
            {
                "kind": row.kind,
                "method": row.method,
                "level": row.verification_level,
                "id_type": row.id_type,
                "password": row.password_hash is not None,
                "email": row.email_enc is not None,
            }
            for row in rows[self.given_accounts :]
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_TEST_PKI: dict[str, tuple[TestPki, int]] = {}


def test_pki() -> tuple[TestPki, int]:
    """The test PKI and the port its CA server publishes CRLs and OCSP on: built once per
    run (its keys are the slow part), like the USB-token end-to-end tests'."""
    if "pki" not in _TEST_PKI:
        port = _free_port()
        _TEST_PKI["pki"] = (build_test_pki(f"http://127.0.0.1:{port}/sim/pki"), port)
    return _TEST_PKI["pki"]


def _trusting(pki: TestPki, data_dir: Path) -> dict[str, str]:
    """The settings under which regbot trusts the test PKI: its anchors as PEM files."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "anchors.pem").write_bytes(pem_bundle(pki.public_anchors))
    (data_dir / "gov-anchors.pem").write_bytes(pem_bundle(pki.gov_anchors))
    return {
        "pki_trust_anchors": str(data_dir / "anchors.pem"),
        "pki_gov_trust_anchors": str(data_dir / "gov-anchors.pem"),
    }


@asynccontextmanager
async def running_world(
    data_dir: Path, *, usb_tokens: bool = False, **settings: Any
) -> AsyncIterator[World]:
    """regbot with every external system simulated and nothing pre-loaded; fast password
    hashing, as in the other end-to-end tests. With `usb_tokens`, regbot trusts the test
    PKI, whose CA server runs beside it."""
    pki, ca_server = None, None
    if usb_tokens:
        pki, ca_port = test_pki()
        ca_app = web.Application()
        ca_app.add_subapp("/sim/pki", build_pki_simulator(pki.root, pki.authorities))
        ca_server = TestServer(ca_app, host="127.0.0.1", port=ca_port)
        await ca_server.start_server()
        settings |= _trusting(pki, data_dir)
    port = _free_port()
    config = dataclasses.replace(
        Settings(
            data_dir=data_dir,
            password_hashing="fast",
            secret_key="transcripts-secret-key-0123456789",
            public_url=PUBLIC_URL,
        ),
        **settings,
    )
    app = create_app(config, Wiring(self_url=f"http://127.0.0.1:{port}"))
    client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    try:
        yield World(client, app[RUNTIME], config, pki)
    finally:
        await client.close()
        if ca_server is not None:
            await ca_server.close()
