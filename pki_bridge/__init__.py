"""Level-3 signatures: certificate validation, signature checks, the MSSP client, test PKI."""

from pki_bridge.authority import CertificateAuthority, Issued, subject_name
from pki_bridge.identity import CertifiedIdentity, MalformedIdentity, identity_from_certificate
from pki_bridge.pki_simulator import build_pki_simulator
from pki_bridge.revocation import CrlSource, HttpCrlSource, RevocationUnavailable
from pki_bridge.testca import TestPki, build_test_pki, main_test_ca, write_test_pki
from pki_bridge.validation import (
    CertificateChecker,
    CertificateRefused,
    anchors_from_env,
    load_trust_anchors,
)

__all__ = [
    "CertificateAuthority",
    "CertificateChecker",
    "CertificateRefused",
    "CertifiedIdentity",
    "CrlSource",
    "HttpCrlSource",
    "Issued",
    "MalformedIdentity",
    "RevocationUnavailable",
    "TestPki",
    "anchors_from_env",
    "build_pki_simulator",
    "build_test_pki",
    "identity_from_certificate",
    "load_trust_anchors",
    "main_test_ca",
    "subject_name",
    "write_test_pki",
]
