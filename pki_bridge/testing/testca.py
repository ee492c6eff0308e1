"""A test PKI (public and Government CAs publishing CRLs, OCSP and their certificates; good
and bad certificates) for demos and tests."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki_bridge.testing.authority import (
    CaUrls,
    CertificateAuthority,
    Issued,
    new_key,
    pem_bundle,
    subject_name,
)

DEFAULT_BASE_URL: Final = "http://127.0.0.1:8080/sim/pki"
DEFAULT_PASSPHRASE: Final = "1234"

CITIZEN_CCCD: Final = "001090012345"  # Hà Nội, male born in 1990
OFFICIAL_CCCD: Final = "079185004321"  # TP.HCM, female born in 1985
BUSINESS_MST: Final = "0100109106"
BRANCH_MST: Final = "0100109106-001"  # a dependent unit (branch) of BUSINESS_MST
BAD_CHECK_DIGIT_MST: Final = "0100109107"


@dataclass(frozen=True, slots=True)
class TestPki:
    """Everything `regbot pki test-ca` makes; `users` by name (see `build_test_pki`)."""

    __test__ = False  # not a pytest test class

    root: CertificateAuthority
    issuing: CertificateAuthority
    gov_root: CertificateAuthority
    gov_issuing: CertificateAuthority
    untrusted_root: CertificateAuthority
    users: dict[str, Issued]

    @property
    def authorities(self) -> dict[str, CertificateAuthority]:
        """The CAs by the name they publish under (`CaUrls.under`)."""
        return {
            "root": self.root,
            "issuing": self.issuing,
            "gov_root": self.gov_root,
            "gov": self.gov_issuing,
            "untrusted": self.untrusted_root,
        }

    @property
    def public_anchors(self) -> list[x509.Certificate]:
        return [self.root.certificate]

    @property
    def gov_anchors(self) -> list[x509.Certificate]:
        return [self.gov_root.certificate]


def build_test_pki(
    base_url: str = DEFAULT_BASE_URL,
    *,
    now: dt.datetime | None = None,
) -> TestPki:
    """Make the test PKI, publishing under `base_url` as the PKI simulator serves it: the
    roots a CRL of their intermediates, the issuing CAs a CRL and an OCSP responder, each
    CA its certificate for AIA (`CaUrls.under`).

    Users: citizen (RSA), business, business_branch, official (Government CA), and one
    certificate per refusal: expired, not_yet_valid, untrusted, self_signed, revoked,
    ca_signer, wrong_key_usage, web_server (a TLS server certificate: serverAuth only),
    weak_key (RSA 1024 bits), malformed_uid, bad_mst.
    """
    now = now or dt.datetime.now(dt.UTC)
    root = CertificateAuthority.root(
        "Test National Root CA",
        organization="Test NEAC",
        urls=CaUrls.under(base_url, "root", ocsp=False),
        now=now,
    )
    issuing = root.subordinate(
        "Test Public CA",
        organization="Test CA Company",
        urls=CaUrls.under(base_url, "issuing"),
        now=now,
    )
    gov_root = CertificateAuthority.root(
        "Test Government Root CA",
        organization="Ban Cơ yếu Chính phủ",
        urls=CaUrls.under(base_url, "gov_root", ocsp=False),
        now=now,
    )
    gov_issuing = gov_root.subordinate(
        "Test Government CA",
        organization="Ban Cơ yếu Chính phủ",
        urls=CaUrls.under(base_url, "gov"),
        now=now,
    )
    untrusted = CertificateAuthority.root(
        "Unknown Root CA", urls=CaUrls.under(base_url, "untrusted"), now=now
    )

    citizen_subject = subject_name("Nguyễn Văn An", uid=f"CCCD:{CITIZEN_CCCD}")
    business_subject = subject_name(
        "Công ty TNHH Hoa Sen", uid=f"MST:{BUSINESS_MST}", organization="Công ty TNHH Hoa Sen"
    )
    users: dict[str, Issued] = {
        "citizen": issuing.issue(citizen_subject, key=new_key("rsa"), now=now),
        "business": issuing.issue(business_subject, now=now),
        "business_branch": issuing.issue(
            subject_name(
                "Công ty TNHH Hoa Sen - Chi nhánh Đà Nẵng",
                uid=f"MST:{BRANCH_MST}",
                organization="Công ty TNHH Hoa Sen",
            ),
            now=now,
        ),
        "official": gov_issuing.issue(
            subject_name(
                "Trần Thị Bích",
                uid=f"CCCD:{OFFICIAL_CCCD}",
                organization="Bộ Tư pháp",
                unit="Văn phòng Bộ",
            ),
            now=now,
        ),
        "expired": issuing.issue(
            citizen_subject,
            now=now,
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=10),
        ),
        "not_yet_valid": issuing.issue(
            citizen_subject, now=now, not_before=now + dt.timedelta(days=10)
        ),
        "untrusted": untrusted.issue(citizen_subject, now=now),
        "revoked": issuing.issue(citizen_subject, now=now),
        "ca_signer": issuing.issue(citizen_subject, ca=True, now=now),
        "wrong_key_usage": issuing.issue(
            citizen_subject, usage=frozenset({"key_encipherment"}), now=now
        ),
        "web_server": issuing.issue(  # the company's website certificate, its MST in it
            business_subject,
            usage=frozenset({"digital_signature", "key_encipherment"}),
            extended_usage=[ExtendedKeyUsageOID.SERVER_AUTH],
            now=now,
        ),
        "weak_key": issuing.issue(citizen_subject, key=_rsa_1024(), now=now),
        "malformed_uid": issuing.issue(subject_name("Nguyễn Văn An", uid="CCCD:12AB34"), now=now),
        "bad_mst": issuing.issue(
            subject_name(
                "Công ty TNHH Hoa Sen",
                uid=f"MST:{BAD_CHECK_DIGIT_MST}",
                organization="Công ty TNHH Hoa Sen",
            ),
            now=now,
        ),
    }
    users["self_signed"] = _self_signed(citizen_subject, now)
    issuing.revoke(users["revoked"].certificate, now - dt.timedelta(hours=1))
    return TestPki(root, issuing, gov_root, gov_issuing, untrusted, users)


def _rsa_1024() -> rsa.RSAPrivateKey:
    """A key too weak to sign for anybody: factorable by a well-funded attacker."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505


def _self_signed(subject: x509.Name, now: dt.datetime) -> Issued:
    """A signing certificate that vouches for itself (issuer = subject, its own key)."""
    key = new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def write_test_pki(pki: TestPki, directory: Path, *, passphrase: str = DEFAULT_PASSPHRASE) -> None:
    """Write anchors, CA certificates, CRLs and each user's PEM key/cert and PKCS#12 file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "trust-anchors.pem").write_bytes(pem_bundle(pki.public_anchors))
    (directory / "gov-trust-anchors.pem").write_bytes(pem_bundle(pki.gov_anchors))
    for name, ca in pki.authorities.items():
        (directory / f"{name}-ca.pem").write_bytes(pem_bundle([ca.certificate]))
        crl = ca.crl(validity=dt.timedelta(days=30))
        (directory / f"{name}.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    users = directory / "users"
    users.mkdir(exist_ok=True)
    secret = passphrase.encode()
    for name, issued in pki.users.items():
        assert issued.key is not None  # the test PKI makes every key itself
        (users / f"{name}.cert.pem").write_bytes(pem_bundle([issued.certificate, *issued.chain]))
        (users / f"{name}.key.pem").write_bytes(
            issued.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(secret),
            )
        )
        (users / f"{name}.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                name.encode(),
                issued.key,
                issued.certificate,
                list(issued.chain) or None,
                serialization.BestAvailableEncryption(secret),
            )
        )


def main_test_ca(argv: Sequence[str] | None = None) -> int:
    """`regbot pki test-ca DIR [--base-url URL] [--passphrase P]`: write the test PKI."""
    parser = argparse.ArgumentParser(prog="regbot pki test-ca")
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help="URL under which crl/NAME.crl, ocsp/NAME and ca/NAME.cer are served",
    )
    parser.add_argument(
        "--passphrase",
        default=DEFAULT_PASSPHRASE,
        help="protects the private keys and PKCS#12 files",
    )
    args = parser.parse_args(argv)
    pki = build_test_pki(args.base_url)
    write_test_pki(pki, args.directory, passphrase=args.passphrase)
    print(f"test PKI written to {args.directory}")
    return 0
