"""Is a signer's certificate acceptable? Path to a trust anchor, validity, revocation, usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
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
from pyhanko_certvalidator.path import ValidationPath

from bot.i18n import Msg, msg
from pki_bridge.identity import CertifiedIdentity, MalformedIdentity, identity_from_certificate
from pki_bridge.revocation import CrlSource, RevocationUnavailable, distribution_points

REASONS: Final = (
    "malformed_certificate",
    "self_signed",
    "ca_certificate",
    "key_usage",
    "not_yet_valid",
    "expired",
    "untrusted",
    "revoked",
    "malformed_identity",
    "bad_signature",
    "malformed_signature",
    "no_revocation_info",
)


class CertificateRefused(Exception):
    """The certificate (or the signature made with it) is not accepted, for `reason`.

    `message` tells the person what is wrong and what to do (catalog `pki.po`).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.message: Msg = msg(f"pki.refused.{reason}")


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
    if now < cert.not_valid_before_utc:
        raise CertificateRefused("not_yet_valid")
    if now > cert.not_valid_after_utc:
        raise CertificateRefused("expired")


class CertificateChecker:
    """Accepts a signer certificate only against its own anchors, with hard-fail revocation.

    One checker per anchor set: the public one (citizens, businesses) and the Government
    one (`official=True`), so an official certificate never passes as a citizen's and
    a public one never as an official's.
    """

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        crls: CrlSource,
        *,
        official: bool = False,
    ) -> None:
        self._anchors = [_to_asn1(c) for c in trust_anchors]
        self._crls = crls
        self.official = official

    async def check(
        self, signer_der: bytes, chain_ders: Sequence[bytes] = (), *, now: dt.datetime | None = None
    ) -> CertifiedIdentity:
        """Validate the signer certificate and return the identity it vouches for.

        Raises:
            CertificateRefused: with a reason of `REASONS`.
            RevocationUnavailable: the CRL could not be fetched; try again later.
        """
        now = now or dt.datetime.now(dt.UTC)
        try:
            cert = x509.load_der_x509_certificate(signer_der)
            chain = [x509.load_der_x509_certificate(der) for der in chain_ders]
        except ValueError as exc:
            raise CertificateRefused("malformed_certificate") from exc
        _check_shape(cert, now)
        if not self._anchors:
            raise CertificateRefused("untrusted", "no trust anchors configured")
        leaf, others = _to_asn1(cert), [_to_asn1(c) for c in chain]
        # First pass without revocation: is there a path to one of our anchors at all?
        path = await self._validate(leaf, others, now, crls=None)
        crls = []
        for element in path.iter_certs(include_root=False):
            for url in distribution_points(x509.load_der_x509_certificate(element.dump())):
                crls.append(await self._crls.crl(url, now=now))
        await self._validate(leaf, others, now, crls=crls)
        if not distribution_points(cert):
            # hard fail: a signer certificate nobody could revoke is not accepted
            raise CertificateRefused("no_revocation_info")
        try:
            return identity_from_certificate(cert, official=self.official)
        except MalformedIdentity as exc:
            raise CertificateRefused("malformed_identity", str(exc)) from exc

    async def _validate(
        self,
        leaf: asn1_x509.Certificate,
        others: list[asn1_x509.Certificate],
        now: dt.datetime,
        *,
        crls: list[bytes] | None,
    ) -> ValidationPath:
        context = ValidationContext(
            trust_roots=self._anchors,
            other_certs=others,
            moment=now,
            allow_fetching=False,
            crls=crls or [],
            revocation_mode="soft-fail" if crls is None else "hard-fail",
        )
        validator = CertificateValidator(leaf, others, validation_context=context)
        try:
            return await validator.async_validate_path()
        except RevokedError as exc:
            raise CertificateRefused("revoked") from exc
        except InsufficientRevinfoError as exc:
            raise RevocationUnavailable(str(exc)) from exc
        except ExpiredError as exc:
            raise CertificateRefused("expired", str(exc)) from exc
        except NotYetValidError as exc:
            raise CertificateRefused("not_yet_valid", str(exc)) from exc
        except InvalidCertificateError as exc:
            raise CertificateRefused("untrusted", str(exc)) from exc
        except (PathBuildingError, ValidationError) as exc:
            raise CertificateRefused("untrusted", str(exc)) from exc
