"""A small certificate authority (cryptography) for the test PKI and the simulators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from pki_bridge.identity import UID_OID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dsa.DSAPublicKey  # DSA: to refuse

SIGNING_USAGE: Final = frozenset({"digital_signature", "content_commitment"})


def new_key(kind: str = "ec") -> PrivateKey:
    """A fresh key: "ec" (P-256, fast) or "rsa" (2048 bits)."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def subject_name(
    common_name: str,
    *,
    uid: str | None = None,
    organization: str | None = None,
    unit: str | None = None,
    country: str = "VN",
) -> x509.Name:
    """A subject as Vietnamese CAs write it: C, O, OU, CN and the UID attribute."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if uid is not None:
        attrs.append(x509.NameAttribute(UID_OID, uid))
    return x509.Name(attrs)


def _key_usage(*, ca: bool, usage: frozenset[str]) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature="digital_signature" in usage,
        content_commitment="content_commitment" in usage,
        key_encipherment="key_encipherment" in usage,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True, slots=True)
class CaUrls:
    """Where a CA publishes: its CRL, its OCSP responder and its own certificate (AIA
    caIssuers). Written into every certificate it issues; None leaves the field out."""

    crl: str | None = None
    ocsp: str | None = None
    issuer: str | None = None

    @classmethod
    def under(cls, base: str, name: str, *, ocsp: bool = True) -> CaUrls:
        """The PKI simulator's layout: `{base}/crl/{name}.crl`, `{base}/ocsp/{name}`,
        `{base}/ca/{name}.cer`."""
        base = base.rstrip("/")
        return cls(
            crl=f"{base}/crl/{name}.crl",
            ocsp=f"{base}/ocsp/{name}" if ocsp else None,
            issuer=f"{base}/ca/{name}.cer",
        )


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate with its private key and the intermediates above it (issuer first)."""

    certificate: x509.Certificate
    key: PrivateKey | None  # None when the key never leaves its token
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def chain_ders(self) -> list[bytes]:
        return [c.public_bytes(serialization.Encoding.DER) for c in self.chain]


@dataclass(slots=True)
class CertificateAuthority:
    """A CA that issues certificates, remembers what it issued and revoked, signs its CRL.

    `urls` go into what it issues (CRL distribution point, OCSP and caIssuers in AIA).
    """

    issued: Issued
    urls: CaUrls = CaUrls()
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    serials: set[int] = field(default_factory=set)  # what it issued: OCSP "unknown" otherwise

    @property
    def certificate(self) -> x509.Certificate:
        return self.issued.certificate

    @property
    def _key(self) -> PrivateKey:
        if self.issued.key is None:
            raise ValueError("a CA needs its private key")
        return self.issued.key

    @classmethod
    def root(
        cls,
        common_name: str,
        *,
        organization: str | None = None,
        urls: CaUrls = CaUrls(),
        key: PrivateKey | None = None,
        now: dt.datetime | None = None,
    ) -> CertificateAuthority:
        """A self-signed root CA valid for ten years around `now`."""
        now = now or dt.datetime.now(dt.UTC)
        key = key or new_key()
        name = subject_name(common_name, organization=organization)
        cert = _build(
            subject=name,
            issuer=name,
            public_key=key.public_key(),
            signing_key=key,
            issuer_key=key.public_key(),
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=3650),
            ca=True,
            usage=frozenset(),
            urls=CaUrls(),
        )
        return cls(Issued(cert, key), urls=urls)

    def issue(
        self,
        subject: x509.Name,
        *,
        key: PrivateKey | None = None,
        public_key: PublicKey | None = None,
        ca: bool = False,
        usage: frozenset[str] = SIGNING_USAGE,
        extended_usage: Sequence[x509.ObjectIdentifier] = (),
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> Issued:
        """Issue a certificate for `key` (or a bare `public_key`, e.g. one inside a token)."""
        now = now or dt.datetime.now(dt.UTC)
        if public_key is None:
            key = key or new_key()
            public_key = key.public_key()
        cert = _build(
            subject=subject,
            issuer=self.certificate.subject,
            public_key=public_key,
            signing_key=self._key,
            issuer_key=self._key.public_key(),
            not_before=not_before or now - dt.timedelta(days=1),
            not_after=not_after or now + dt.timedelta(days=730),
            ca=ca,
            usage=usage,
            extended_usage=extended_usage,
            urls=self.urls,
        )
        self.serials.add(cert.serial_number)
        # the root is the trust anchor, never part of the chain that is sent along
        chain = tuple(c for c in (self.certificate, *self.issued.chain) if c.issuer != c.subject)
        return Issued(cert, key, chain)

    def subordinate(
        self,
        common_name: str,
        *,
        organization: str | None = None,
        urls: CaUrls = CaUrls(),
        now: dt.datetime | None = None,
    ) -> CertificateAuthority:
        """An issuing CA under this one."""
        issued = self.issue(
            subject_name(common_name, organization=organization),
            ca=True,
            usage=frozenset(),
            now=now,
            not_after=(now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=1825),
        )
        return CertificateAuthority(issued, urls=urls)

    def revoke(self, certificate: x509.Certificate, when: dt.datetime | None = None) -> None:
        self.revoked[certificate.serial_number] = when or dt.datetime.now(dt.UTC)

    def crl(
        self, *, now: dt.datetime | None = None, validity: dt.timedelta = dt.timedelta(days=1)
    ) -> x509.CertificateRevocationList:
        """The current CRL, valid from `now` until `now + validity` (its nextUpdate)."""
        now = now or dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + validity)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )
        for serial, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self._key, hashes.SHA256())


def _build(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PublicKey,
    signing_key: PrivateKey,
    issuer_key: PublicKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    usage: frozenset[str],
    urls: CaUrls,
    extended_usage: Sequence[x509.ObjectIdentifier] = (),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca=ca, usage=usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False
        )
    )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=False)
    if urls.crl:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(urls.crl)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    access = [
        x509.AccessDescription(method, x509.UniformResourceIdentifier(url))
        for method, url in (
            (AuthorityInformationAccessOID.OCSP, urls.ocsp),
            (AuthorityInformationAccessOID.CA_ISSUERS, urls.issuer),
        )
        if url
    ]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def pem_bundle(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
