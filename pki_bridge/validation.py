"""Is a signer's certificate acceptable? Path to a trust anchor, validity, revocation, usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import AuthorityInformationAccessOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers.api import Fetchers
from pyhanko_certvalidator.path import ValidationPath

from pki_bridge.evidence import POLICY, ValidationEvidence, Verified, collect
from pki_bridge.identity import CertifiedIdentity, MalformedIdentity, identity_from_certificate
from pki_bridge.refusals import CertificateRefused, RevocationUnavailable
from pki_bridge.revocation import RevocationSource, ocsp_fresh
from pki_bridge.signer_rules import check_document_signing_purpose, check_key_strength


def load_trust_anchors(path: str | Path) -> list[x509.Certificate]:
    """Certificates of a PEM bundle: a file, or the PEM text itself (a setting may hold
    either). Raises ValueError, saying which, when it cannot be read."""
    if isinstance(path, str) and path.lstrip().startswith("-----BEGIN"):
        pem = path.encode()
    else:
        try:
            pem = Path(path).read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: {exc.strerror or type(exc).__name__}") from exc
    certificates = x509.load_pem_x509_certificates(pem)  # ValueError when not PEM
    if not certificates:
        raise ValueError(f"{path}: no certificate in the bundle")
    return certificates


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _declares_revocation(cert: x509.Certificate) -> bool:
    """Names a CRL distribution point or an OCSP responder."""
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        return True
    except x509.ExtensionNotFound:
        pass
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return False
    return any(d.access_method == AuthorityInformationAccessOID.OCSP for d in access)


def _check_shape(cert: x509.Certificate, now: dt.datetime) -> None:
    """The checks that need no anchor and no network: reasons a person can act on."""
    if cert.issuer == cert.subject:
        raise CertificateRefused("self_signed")
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise CertificateRefused("ca_certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise CertificateRefused("key_usage", "no key usage") from exc
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateRefused("key_usage")
    check_document_signing_purpose(cert)
    check_key_strength(cert)
    if now < cert.not_valid_before_utc:
        raise CertificateRefused("not_yet_valid")
    if now > cert.not_valid_after_utc:
        raise CertificateRefused("expired")


async def _validate(
    cert: x509.Certificate, chain: Sequence[bytes], context: ValidationContext
) -> ValidationPath:
    """certvalidator's verdict as a refusal a person can act on.

    Raises CertificateRefused; RevocationUnavailable when the status could not be had.
    """
    leaf = _to_asn1(cert)
    others = [asn1_x509.Certificate.load(der) for der in chain]
    validator = CertificateValidator(leaf, others, validation_context=context)
    try:
        return await validator.async_validate_path()
    except RevokedError as exc:
        raise CertificateRefused("revoked") from exc
    except InsufficientRevinfoError as exc:
        if not _declares_revocation(cert):  # hard fail: nobody could revoke it
            raise CertificateRefused("no_revocation_info") from exc
        raise RevocationUnavailable(str(exc)) from exc
    except ExpiredError as exc:
        raise CertificateRefused("expired", str(exc)) from exc
    except NotYetValidError as exc:
        raise CertificateRefused("not_yet_valid", str(exc)) from exc
    except (InvalidCertificateError, PathBuildingError, ValidationError) as exc:
        raise CertificateRefused("untrusted", str(exc)) from exc


def _parse(signer_der: bytes, chain_ders: Sequence[bytes]) -> x509.Certificate:
    try:
        cert = x509.load_der_x509_certificate(signer_der)
        for der in chain_ders:
            x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateRefused("malformed_certificate") from exc
    return cert


def _identity(cert: x509.Certificate, *, official: bool) -> CertifiedIdentity:
    try:
        return identity_from_certificate(cert, official=official)
    except MalformedIdentity as exc:
        raise CertificateRefused("malformed_identity", str(exc)) from exc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CertificateChecker:
    """Accepts a signer certificate only against its own anchors, with hard-fail revocation:
    OCSP first, the CRL when OCSP gives no "good", AIA for a missing intermediate.

    One checker per anchor set: the public one (citizens, businesses) and the Government
    one (`official=True`), so an official certificate never passes as a citizen's and
    a public one never as an official's.
    """

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        revocation: RevocationSource,
        *,
        official: bool = False,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self._anchors = [_to_asn1(c) for c in trust_anchors]
        self._revocation = revocation
        self._clock = clock
        self.official = official

    async def check(self, signer_der: bytes, chain_ders: Sequence[bytes] = ()) -> Verified:
        """Validate the signer certificate now; the identity it vouches for and the evidence.

        Raises:
            CertificateRefused: with a reason of `REASONS`.
            RevocationUnavailable: no OCSP or CRL answer could be had; try again later.
        """
        cert = _parse(signer_der, chain_ders)
        _check_shape(cert, self._clock())
        if not self._anchors:
            raise CertificateRefused("untrusted", "no trust anchors configured")
        fetchers: Fetchers = self._revocation.fetchers()
        context = ValidationContext(
            trust_roots=self._anchors,
            allow_fetching=True,
            fetchers=fetchers,
            revinfo_policy=POLICY,
        )
        path = await _validate(cert, chain_ders, context)
        self._revocation.remember(path, fetchers)
        evidence = collect(path, fetchers, self._clock(), official=self.official)
        return Verified(_identity(cert, official=self.official), evidence)


def _fresh_ocsps(evidence: ValidationEvidence) -> list[asn1_ocsp.OCSPResponse]:
    """The stored OCSP answers that were fresh when the certificate was validated, as
    acceptance requires now (`OCSP_MAX_AGE`): an older one settles nothing."""
    answers = [asn1_ocsp.OCSPResponse.load(der) for der in evidence.ocsp_responses]
    return [answer for answer in answers if ocsp_fresh(answer, evidence.validated_at)]


async def revalidate(evidence: ValidationEvidence) -> CertifiedIdentity:
    """Re-check an accepted certificate from its evidence alone, with no network: the
    stored path to the stored anchor, at the recorded time, with the stored OCSP responses
    (those fresh at that time) and CRLs (what `regbot accounts verify` needs).

    Raises:
        CertificateRefused: as `CertificateChecker.check`; "no_revocation_info" also when
            the stored data does not settle the certificate's status.
    """
    cert = _parse(evidence.certificate, evidence.chain)
    _check_shape(cert, evidence.validated_at)
    try:
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(evidence.anchor)],
            other_certs=[asn1_x509.Certificate.load(der) for der in evidence.chain],
            moment=evidence.validated_at,
            allow_fetching=False,
            ocsps=_fresh_ocsps(evidence),
            crls=[asn1_crl.CertificateList.load(der) for der in evidence.crls],
            revinfo_policy=POLICY,
        )
        await _validate(cert, evidence.chain, context)
    except RevocationUnavailable as exc:
        raise CertificateRefused("no_revocation_info", str(exc)) from exc
    except ValueError as exc:  # stored bytes that are not what they claim
        raise CertificateRefused("malformed_certificate", str(exc)) from exc
    return _identity(cert, official=evidence.official)
