"""Signatures a forger makes: a plugin's CMS signed again with a weak hash."""

from __future__ import annotations

import base64

from asn1crypto import algos, cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from pki_bridge.testing.authority import PrivateKey


def resigned(
    signature: str, key: PrivateKey, algorithm: str, hash_algorithm: hashes.HashAlgorithm
) -> str:
    """The plugin's CMS (base64) with its signed attributes signed again under `algorithm`
    (e.g. "md5_rsa"); the digest algorithm and messageDigest stay SHA-256."""
    info = cms.ContentInfo.load(base64.b64decode(signature))
    signer_info = info["content"]["signer_infos"][0]
    kept = [
        a for a in signer_info["signed_attrs"] if a["type"].native != "cms_algorithm_protection"
    ]
    signer_info["signed_attrs"] = cms.CMSAttributes(kept)
    signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": algorithm})
    to_sign = cms.CMSAttributes(kept).dump()
    if isinstance(key, rsa.RSAPrivateKey):
        signer_info["signature"] = key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
    else:
        signer_info["signature"] = key.sign(to_sign, ec.ECDSA(hash_algorithm))
    return base64.b64encode(info.dump(force=True)).decode()
