"""What an auditor needs to re-check an accepted certificate later, offline: the path, the
anchor, the time and the revocation data that decided, and the check that re-runs it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cryptography import x509
from pyhanko_certvalidator.fetchers.api import Fetchers
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from pki_bridge.identity import CertifiedIdentity

# The signer must show OCSP or CRL data (OCSP is asked first, a CRL only when OCSP gives
# no "good"); an intermediate is checked whenever it names a source. Never soft-fail.
POLICY: Final = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    )
)


class StatusSource(StrEnum):
    """Where the signer certificate's status came from."""

    OCSP = "ocsp"
    CRL = "crl"


@dataclass(frozen=True, slots=True)
class CrlFacts:
    """What an auditor reads of a CRL without parsing it."""

    issuer: str  # RFC 4514
    number: int | None
    this_update: dt.datetime
    next_update: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ValidationEvidence:
    """An accepted signer certificate with everything its acceptance rested on (DER).

    `chain` runs from the signer's issuer up to, not including, `anchor`; `ocsp_responses`
    and `crls` are what decided for the signer and each intermediate; `validated_at` is a
    moment at which all of it held.
    """

    certificate: bytes
    chain: tuple[bytes, ...]
    anchor: bytes
    validated_at: dt.datetime
    official: bool
    status_source: StatusSource
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()

    def crl_facts(self) -> tuple[CrlFacts, ...]:
        facts = []
        for der in self.crls:
            crl = x509.load_der_x509_crl(der)
            try:
                number: int | None = crl.extensions.get_extension_for_class(
                    x509.CRLNumber
                ).value.crl_number
            except x509.ExtensionNotFound:
                number = None
            facts.append(
                CrlFacts(
                    crl.issuer.rfc4514_string(), number, crl.last_update_utc, crl.next_update_utc
                )
            )
        return tuple(facts)


def collect(
    path: ValidationPath, fetchers: Fetchers, validated_at: dt.datetime, *, official: bool
) -> ValidationEvidence:
    """The evidence of a validation that just succeeded with `fetchers`.

    For each certificate below the anchor: the CRLs if any were consulted (certvalidator
    asks a CRL only when OCSP gave no "good"), else the OCSP responses it fetched.
    """
    certs = list(path.iter_certs(include_root=False))
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    for cert in certs:
        try:
            consulted = [c.dump() for c in fetchers.crl_fetcher.fetched_crls_for_cert(cert)]
        except KeyError:
            consulted = []
        if consulted:
            crls.extend(der for der in consulted if der not in crls)
        else:
            responses = fetchers.ocsp_fetcher.fetched_responses_for_cert(cert)
            ocsps.extend(response.dump() for response in responses)
    # the signer's CRL was consulted only if OCSP gave no "good"
    source = StatusSource.CRL if consulted else StatusSource.OCSP
    anchor = path[0]  # the anchor's certificate (regbot's anchors are certificates)
    return ValidationEvidence(
        certificate=certs[-1].dump(),
        chain=tuple(c.dump() for c in reversed(certs[:-1])),
        anchor=anchor.dump(),
        validated_at=validated_at,
        official=official,
        status_source=source,
        ocsp_responses=tuple(ocsps),
        crls=tuple(crls),
    )


@dataclass(frozen=True, slots=True)
class Verified:
    """An accepted certificate: who it names, and why it was accepted."""

    identity: CertifiedIdentity
    evidence: ValidationEvidence
