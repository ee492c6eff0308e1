"""What the signer's certificate itself must allow: signing documents (extended key usage)
with a key strong enough to stand behind a level-3 account."""

from __future__ import annotations

from typing import Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from pki_bridge.refusals import CertificateRefused

DOCUMENT_SIGNING_PURPOSES: Final = frozenset(
    {
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,  # 2.5.29.37.0: the CA restricts nothing
        ExtendedKeyUsageOID.EMAIL_PROTECTION,  # 1.3.6.1.5.5.7.3.4: signed mail, S/MIME
        ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning (RFC 9336)
        ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),  # Microsoft document signing
        ObjectIdentifier("1.2.840.113583.1.1.5"),  # Adobe Authentic Documents Trust
    }
)
"""Extended key usages under which a certificate may sign what regbot asks to sign (a
challenge, a registration statement): a declaration by a person or an organisation.

When a certificate carries an ExtendedKeyUsage extension its CA has limited the key to
those purposes (RFC 5280 4.2.1.12), so one of these must be among them. Vietnamese
signing certificates (USB tokens, signing SIMs) carry none, or emailProtection beside
clientAuth; documentSigning and the Microsoft and Adobe purposes are what document
signing certificates elsewhere carry. Not here, on purpose: serverAuth (a web server's
TLS certificate, with a company's tax code in its subject), clientAuth alone (logging in
is not signing), codeSigning (software), timeStamping and OCSPSigning (a CA's own
services). A certificate without the extension is limited by its KeyUsage alone."""


ACCEPTED_CURVES: Final = frozenset({"secp256r1", "secp384r1", "secp521r1"})
"""ECDSA keys: the NIST curves of 256 bits and more (P-256, P-384, P-521), the curves
tokens and signing SIMs use. P-192 and P-224 are below 128-bit security."""

MIN_RSA_BITS: Final = 2048
"""RSA keys: NIST SP 800-131A has disallowed signatures with RSA under 2048 bits since
2014; 1024 bits is within reach of a well-funded attacker."""


def check_document_signing_purpose(cert: x509.Certificate) -> None:
    """Refuse ("extended_key_usage") a certificate whose CA limited it to other purposes."""
    try:
        purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if DOCUMENT_SIGNING_PURPOSES.isdisjoint(purposes):
        names = ", ".join(oid.dotted_string for oid in purposes) or "none"
        raise CertificateRefused("extended_key_usage", f"for {names}, not for signing")


def check_key_strength(cert: x509.Certificate) -> None:
    """Refuse ("weak_key") an RSA key under `MIN_RSA_BITS`, an ECDSA key on a curve not in
    `ACCEPTED_CURVES`, and any other kind of key (DSA among them)."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:  # a curve cryptography does not know
        raise CertificateRefused("weak_key", str(exc)) from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateRefused("weak_key", f"RSA {key.key_size} bits")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in ACCEPTED_CURVES:
            raise CertificateRefused("weak_key", f"ECDSA on {key.curve.name}")
    else:
        raise CertificateRefused("weak_key", f"a {type(key).__name__} key")
