"""A test PKI whose CRLs are served over real HTTP by the PKI simulator."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pkcs11
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.rsa import encode_rsa_public_key

from pki_bridge.pki_simulator import PKI_STATE, PkiSimulatorState, build_pki_simulator
from pki_bridge.revocation import HttpCrlSource
from pki_bridge.testca import TestPki, build_test_pki
from pki_bridge.validation import CertificateChecker


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
    pki = build_test_pki(f"{base}/sim/pki/crl")
    root = web.Application()
    sim = build_pki_simulator(pki.root, pki.authorities)
    root.add_subapp("/sim/pki", sim)
    server = TestServer(root, host="127.0.0.1", port=port)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        crls = HttpCrlSource(session, timeout=2.0)
        yield PkiWorld(
            pki, base, sim[PKI_STATE], session,
            CertificateChecker(pki.public_anchors, crls),
            CertificateChecker(pki.gov_anchors, crls, official=True),
        )
    await server.close()


SOFTHSM_LIBS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN_LABEL = "regbot-test"
TOKEN_PIN = "246810"
KEY_ID = b"\x01"


@dataclass
class SoftToken:
    """A SoftHSM2 token holding an RSA signing key generated inside it (it never leaves)."""

    lib: str
    label: str
    pin: str
    public_key: rsa.RSAPublicKey

    def install_certificates(
        self, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...] = ()
    ) -> None:
        """Put the certificate beside the key (same CKA_ID) and its CA certificates after
        it, as a CA delivers a token, replacing whatever certificates were there."""
        token = pkcs11.lib(self.lib).get_token(token_label=self.label)
        with token.open(rw=True, user_pin=self.pin) as session:
            for old in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
                old.destroy()
            for number, cert in enumerate((certificate, *chain)):
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.ID: KEY_ID if number == 0 else bytes([0x10 + number]),
                    Attribute.LABEL: "signing" if number == 0 else f"ca-{number}",
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                })


def _missing(reason: str) -> None:
    if os.environ.get("REGBOT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and REGBOT_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftToken]:
    """A fresh PIN-protected SoftHSM2 token in a temporary directory (once per test run:
    a PKCS#11 library is loaded once per process, with the configuration it saw first)."""
    lib = next((path for path in SOFTHSM_LIBS if Path(path).exists()), None)
    util = shutil.which("softhsm2-util")
    if lib is None or util is None:
        _missing("SoftHSM2 is not installed (Debian package softhsm2)")
    assert lib is not None and util is not None
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run([util, "--init-token", "--free", "--label", TOKEN_LABEL,
                    "--pin", TOKEN_PIN, "--so-pin", "13579135"],
                   check=True, capture_output=True)
    token = pkcs11.lib(lib).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=TOKEN_PIN) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, id=KEY_ID, label="signing", store=True)
        public_der = encode_rsa_public_key(public)
    key = serialization.load_der_public_key(public_der)
    assert isinstance(key, rsa.RSAPublicKey)
    yield SoftToken(lib, TOKEN_LABEL, TOKEN_PIN, key)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
