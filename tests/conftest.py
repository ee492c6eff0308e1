"""Shared fixtures: real Redis and PostgreSQL when the machine has them.

Without them those tests skip with the reason - unless REGBOT_REQUIRE_SERVICES=1
(as in `.ci/run`), where a missing service fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.rsa import encode_rsa_public_key

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "REGBOT_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _require(url: str, port: int, what: str) -> str:
    if _reachable(url, port):
        return url
    reason = f"{what} is not reachable at {url}"
    if os.environ.get("REGBOT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and REGBOT_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis (tests must use keys under a unique prefix and clean up)."""
    return _require(REDIS_URL, 6379, "Redis")


@pytest.fixture
def postgres_url() -> str:
    """URL of the real PostgreSQL database `test`."""
    return _require(POSTGRES_URL, 5432, "PostgreSQL")


# -- SoftHSM2: a real PIN-protected PKCS#11 token (tests/pki and tests/e2e) ----------

SOFTHSM_LIBS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)
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
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.ID: KEY_ID if number == 0 else bytes([0x10 + number]),
                        Attribute.LABEL: "signing" if number == 0 else f"ca-{number}",
                        Attribute.SUBJECT: cert.subject.public_bytes(),
                        Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                    }
                )


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
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            TOKEN_PIN,
            "--so-pin",
            "13579135",
        ],
        check=True,
        capture_output=True,
    )
    token = pkcs11.lib(lib).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=TOKEN_PIN) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, id=KEY_ID, label="signing", store=True
        )
        public_der = encode_rsa_public_key(public)
    key = serialization.load_der_public_key(public_der)
    assert isinstance(key, rsa.RSAPublicKey)
    yield SoftToken(lib, TOKEN_LABEL, TOKEN_PIN, key)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def pytest_addoption(parser: pytest.Parser) -> None:
    # here rather than in tests/transcripts/conftest.py, so that the option is known however
    # pytest is started (`scripts/test --update-transcripts` gives no test path)
    parser.addoption(
        "--update-transcripts",
        action="store_true",
        default=False,
        help="rewrite the outputs of tests/transcripts/stories/*.json from this run",
    )
