"""Does a signature cover exactly what regbot issued? Raw (PKCS#1 v1.5 / ECDSA) and detached CMS."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from pki_bridge.refusals import CertificateRefused

DIGESTS: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def decode_base64(text: str | bytes) -> bytes:
    """Strict base64 (whitespace allowed); a malformed value is a malformed signature."""
    if isinstance(text, str):
        text = text.encode("ascii", "ignore")
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateRefused("malformed_signature", "not base64") from exc


def _ecdsa_forms(signature: bytes, key: ec.EllipticCurvePublicKey) -> list[bytes]:
    """PKCS#11 tokens give ECDSA as r||s; X.509 tools as DER. Accept both: the DER forms
    the bytes can stand for. Their first byte does not tell them apart - an r||s whose r
    begins with 0x30 (one signature in 256) looks like a DER sequence."""
    size = (key.curve.key_size + 7) // 8
    forms = []
    if len(signature) == 2 * size:
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        forms.append(utils.encode_dss_signature(r, s))
    try:
        if utils.encode_dss_signature(*utils.decode_dss_signature(signature)) == signature:
            forms.append(signature)  # strict DER
    except ValueError:
        pass
    return forms


def _verify_ecdsa(
    key: ec.EllipticCurvePublicKey,
    forms: list[bytes],
    message: bytes,
    scheme: ec.ECDSA,
) -> None:
    """Verified when one of the forms verifies; InvalidSignature otherwise."""
    for form in forms:
        try:
            key.verify(form, message, scheme)
            return
        except InvalidSignature:
            continue
    raise InvalidSignature


def verify_raw(
    signature: bytes,
    certificate_der: bytes,
    *,
    data: bytes | None = None,
    digest: bytes | None = None,
) -> None:
    """Check a raw SHA-256 signature (RSA PKCS#1 v1.5 or ECDSA) made with the certificate's key,
    over `data` or over the precomputed SHA-256 `digest` (what a signing SIM signs).

    Raises:
        CertificateRefused: "bad_signature" (another content, or another key) or
            "malformed_certificate".
    """
    if (data is None) == (digest is None):
        raise ValueError("give exactly one of data and digest")
    try:
        key = x509.load_der_x509_certificate(certificate_der).public_key()
    except ValueError as exc:
        raise CertificateRefused("malformed_certificate") from exc
    algorithm: utils.Prehashed | hashes.SHA256
    if digest is not None:
        message, algorithm = digest, utils.Prehashed(hashes.SHA256())
        if len(digest) != 32:
            raise CertificateRefused("bad_signature", "not a SHA-256 digest")
    else:
        assert data is not None
        message, algorithm = data, hashes.SHA256()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            _verify_ecdsa(key, _ecdsa_forms(signature, key), message, ec.ECDSA(algorithm))
        else:
            raise CertificateRefused("bad_signature", "unsupported key type")
    except (InvalidSignature, ValueError) as exc:
        raise CertificateRefused("bad_signature") from exc
