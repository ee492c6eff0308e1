"""Detached CMS signatures, as Vietnamese signing plugins post them for a USB token.

Apart from the raw signatures (`pki_bridge.signatures`) because pyHanko, which reads
CMS, loads an HTTP client when imported: only the `/sign` page needs it."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos, cms
from pyhanko.sign.general import extract_signer_info
from pyhanko.sign.validation.generic_cms import (
    extract_certs_for_validation,
    validate_sig_integrity,
)

from pki_bridge.refusals import CertificateRefused
from pki_bridge.signatures import DIGESTS, decode_base64


@dataclass(frozen=True, slots=True)
class SignedBy:
    """The certificates a valid CMS signature carried: to be checked by CertificateChecker."""

    certificate_der: bytes
    chain_ders: tuple[bytes, ...]


def _signature_hash(algorithm: algos.SignedDigestAlgorithm, digest: str) -> str:
    """The hash the signature algorithm signs with; `digest` for one that names none
    (rsaEncryption, plain ecdsa), which then signs with the digest algorithm's."""
    try:
        return str(algorithm.hash_algo)
    except ValueError:
        return digest


def verify_detached_cms(signature: str | bytes, content: bytes) -> SignedBy:
    """Check a detached CMS SignedData (base64, or DER bytes) over `content` (the challenge).

    The messageDigest attribute must equal the digest of `content` and the signature over
    the signed attributes must verify with the included signer certificate, both with one
    hash of `DIGESTS`: the digest algorithm's, which the signature algorithm must name
    too when it names one (sha256WithRSAEncryption, ecdsa-with-SHA384, RSASSA-PSS's
    parameters). Trust in that certificate is CertificateChecker's job.

    Raises:
        CertificateRefused: "malformed_signature" or "bad_signature".
    """
    der = decode_base64(signature) if isinstance(signature, str) else signature
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise CertificateRefused("malformed_signature", "not a SignedData")
        signed_data = info["content"]
        embedded = signed_data["encap_content_info"]["content"].native
        signer_info = extract_signer_info(signed_data)
        certs = extract_certs_for_validation(signed_data)
        md_name = signer_info["digest_algorithm"]["algorithm"].native
        signature_hash = _signature_hash(signer_info["signature_algorithm"], md_name)
    except CertificateRefused:
        raise
    except Exception as exc:  # asn1crypto and pyHanko raise many kinds on bad input
        raise CertificateRefused("malformed_signature", str(exc)) from exc
    if embedded is not None and embedded != content:
        raise CertificateRefused("bad_signature", "encapsulated content differs")
    if md_name not in DIGESTS:
        raise CertificateRefused("bad_signature", f"digest {md_name} not accepted")
    if signature_hash != md_name:  # an MD5 or SHA-1 signature over SHA-256 attributes
        raise CertificateRefused("bad_signature", f"signed with {signature_hash}, not {md_name}")
    try:
        intact, valid = validate_sig_integrity(
            signer_info, certs.signer_cert, "data", DIGESTS[md_name](content).digest()
        )
    except Exception as exc:
        raise CertificateRefused("bad_signature", str(exc)) from exc
    if not (intact and valid):
        raise CertificateRefused("bad_signature", f"intact={intact} valid={valid}")
    return SignedBy(
        certificate_der=certs.signer_cert.dump(),
        chain_ders=tuple(c.dump() for c in certs.other_certs),
    )
