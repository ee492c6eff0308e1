"""Level-3 signatures: who a certificate names, why one is refused, the evidence of an
acceptance, the registration statements people sign, and the mobile signature service's
port and rules.

Adapters are imported where they are used: `pki_bridge.validation` (certificate paths,
revocation), `pki_bridge.mssp_client` (the HTTP client), `pki_bridge.signatures`
(CMS and raw signatures); the test PKI lives in `pki_bridge.testing`."""

from pki_bridge.evidence import CrlFacts, StatusSource, ValidationEvidence, Verified
from pki_bridge.identity import CertifiedIdentity, MalformedIdentity
from pki_bridge.mssp import (
    MobileSignatureService,
    MsspResult,
    SignatureOutcome,
    registration_statement,
    statement_hash,
    verification_code,
)
from pki_bridge.refusals import REASONS, CertificateRefused, RevocationUnavailable
from pki_bridge.statement import SERVICE, Statement, read_statement, usb_statement

__all__ = [
    "REASONS",
    "SERVICE",
    "CertificateRefused",
    "CertifiedIdentity",
    "CrlFacts",
    "MalformedIdentity",
    "MobileSignatureService",
    "MsspResult",
    "RevocationUnavailable",
    "SignatureOutcome",
    "Statement",
    "StatusSource",
    "ValidationEvidence",
    "Verified",
    "read_statement",
    "registration_statement",
    "statement_hash",
    "usb_statement",
    "verification_code",
]
