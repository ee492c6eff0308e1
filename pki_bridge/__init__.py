"""Level-3 signatures: certificate validation, signature checks, the MSSP client, test PKI."""

from pki_bridge.authority import CaUrls, CertificateAuthority, Issued, subject_name
from pki_bridge.evidence import CrlFacts, StatusSource, ValidationEvidence
from pki_bridge.identity import CertifiedIdentity, MalformedIdentity, identity_from_certificate
from pki_bridge.mssp import (
    MobileSignatureService,
    MsspHttpClient,
    MsspResult,
    SignatureOutcome,
    await_result,
    registration_statement,
    statement_hash,
    verification_code,
    verify_outcome,
)
from pki_bridge.pki_simulator import (
    PKI_STATE,
    OcspAnswer,
    PkiSimulatorState,
    build_pki_simulator,
)
from pki_bridge.revocation import RevocationSource, RevocationUnavailable
from pki_bridge.signatures import SignedBy, decode_base64, verify_detached_cms, verify_raw
from pki_bridge.signer import issued_signer, main_sign, p12_signer, pkcs11_signer, sign_url
from pki_bridge.simulator import MSSP_STATE, build_mssp_simulator, simulator_ca
from pki_bridge.testca import TestPki, build_test_pki, main_test_ca, write_test_pki
from pki_bridge.validation import (
    REASONS,
    CertificateChecker,
    CertificateRefused,
    Verified,
    load_trust_anchors,
    revalidate,
)

__all__ = [
    "MSSP_STATE",
    "PKI_STATE",
    "REASONS",
    "CaUrls",
    "CertificateAuthority",
    "CertificateChecker",
    "CertificateRefused",
    "CertifiedIdentity",
    "CrlFacts",
    "Issued",
    "MalformedIdentity",
    "MobileSignatureService",
    "MsspHttpClient",
    "MsspResult",
    "OcspAnswer",
    "PkiSimulatorState",
    "RevocationSource",
    "RevocationUnavailable",
    "SignatureOutcome",
    "SignedBy",
    "StatusSource",
    "TestPki",
    "ValidationEvidence",
    "Verified",
    "await_result",
    "build_mssp_simulator",
    "build_pki_simulator",
    "build_test_pki",
    "decode_base64",
    "identity_from_certificate",
    "issued_signer",
    "load_trust_anchors",
    "main_sign",
    "main_test_ca",
    "p12_signer",
    "pkcs11_signer",
    "registration_statement",
    "revalidate",
    "sign_url",
    "simulator_ca",
    "statement_hash",
    "subject_name",
    "verification_code",
    "verify_detached_cms",
    "verify_outcome",
    "verify_raw",
    "write_test_pki",
]
