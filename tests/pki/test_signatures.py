"""Stories: a signature counts only over exactly the challenge or statement regbot issued."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from pki_bridge import CertificateRefused
from pki_bridge.cms import verify_detached_cms
from pki_bridge.signatures import verify_raw
from pki_bridge.testing.signer import issued_signer, sign_challenge
from pki_bridge.testing.testca import CITIZEN_CCCD
from tests.support.forged_signatures import resigned


def raw_sign(key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


async def test_a_cms_signature_over_the_challenge_carries_a_certificate_regbot_accepts(pki_world):
    challenge = os.urandom(32)
    body = await sign_challenge(issued_signer(pki_world.pki.users["citizen"]), challenge)
    signed_by = verify_detached_cms(body["signature"], challenge)
    verified = await pki_world.public.check(signed_by.certificate_der, signed_by.chain_ders)
    identity = verified.identity
    assert identity.id_number == CITIZEN_CCCD


async def test_a_cms_signature_over_another_challenge_is_refused(pki_world):
    body = await sign_challenge(issued_signer(pki_world.pki.users["business"]), b"old challenge")
    with pytest.raises(CertificateRefused) as refused:
        verify_detached_cms(body["signature"], b"the challenge regbot issued now")
    assert refused.value.reason == "bad_signature"
    assert refused.value.message.key == "pki.refused.bad_signature"


async def test_a_cms_signature_that_is_not_a_signature_is_a_format_error():
    for junk in ("%%% not base64 %%%", base64.b64encode(b"\x30\x03\x02\x01\x01").decode()):
        with pytest.raises(CertificateRefused) as refused:
            verify_detached_cms(junk, b"challenge")
        assert refused.value.reason == "malformed_signature"


@pytest.mark.parametrize("name", ["citizen", "business"])  # RSA and ECDSA keys
def test_a_raw_signature_over_the_challenge_verifies_with_the_certificate_key(pki_world, name):
    user = pki_world.pki.users[name]
    verify_raw(raw_sign(user.key, b"challenge"), user.der, data=b"challenge")


def test_a_raw_signature_over_another_challenge_or_by_another_key_is_refused(pki_world):
    citizen, business = pki_world.pki.users["citizen"], pki_world.pki.users["business"]
    for signature, cert in [
        (raw_sign(citizen.key, b"another"), citizen.der),
        (raw_sign(business.key, b"challenge"), citizen.der),
    ]:
        with pytest.raises(CertificateRefused) as refused:
            verify_raw(signature, cert, data=b"challenge")
        assert refused.value.reason == "bad_signature"


def test_a_sim_signature_over_the_statement_hash_verifies(pki_world):
    user = pki_world.pki.users["business"]
    digest = hashlib.sha256(b"registration statement").digest()
    signature = user.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    verify_raw(signature, user.der, digest=digest)
    with pytest.raises(CertificateRefused):
        verify_raw(signature, user.der, digest=hashlib.sha256(b"other statement").digest())


def test_an_ecdsa_signature_in_token_form_r_and_s_is_accepted(pki_world):
    user = pki_world.pki.users["business"]
    r, s = utils.decode_dss_signature(raw_sign(user.key, b"challenge"))
    verify_raw(r.to_bytes(32, "big") + s.to_bytes(32, "big"), user.der, data=b"challenge")


def test_a_token_form_signature_whose_r_begins_like_der_is_accepted(pki_world):
    """One ECDSA signature in 256 has an r whose first byte is 0x30, DER's first byte:
    it was taken for DER and refused."""
    user = pki_world.pki.users["business"]
    for n in range(5000):
        data = b"challenge %d" % n
        r, s = utils.decode_dss_signature(raw_sign(user.key, data))
        token_form = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if token_form[0] == 0x30:
            break
    else:
        raise AssertionError("no r beginning with 0x30 in 5000 signatures")
    verify_raw(token_form, user.der, data=data)
    with pytest.raises(CertificateRefused):
        verify_raw(token_form, user.der, data=b"another challenge")


async def test_a_raw_form_from_the_signer_carries_certificate_and_chain(pki_world):
    user = pki_world.pki.users["citizen"]
    body = await sign_challenge(issued_signer(user), b"challenge", raw=True)
    cert = base64.b64decode(body["certificate"])
    verify_raw(base64.b64decode(body["signature"]), cert, data=b"challenge")
    chain = [base64.b64decode(c) for c in body["chain"]]
    identity = (await pki_world.public.check(cert, chain)).identity
    assert identity.kind == "citizen"


@pytest.mark.parametrize(
    ("name", "algorithm", "hash_algorithm"),
    [
        ("citizen", "md5_rsa", hashes.MD5()),
        ("citizen", "sha1_rsa", hashes.SHA1()),
        ("business", "sha1_ecdsa", hashes.SHA1()),
        ("citizen", "sha384_rsa", hashes.SHA384()),  # strong, but not the digest algorithm's
    ],
)
async def test_a_cms_signature_made_with_md5_or_sha1_is_refused(
    pki_world, name, algorithm, hash_algorithm
):
    user = pki_world.pki.users[name]
    challenge = os.urandom(32)
    body = await sign_challenge(issued_signer(user), challenge)
    forged = resigned(body["signature"], user.key, algorithm, hash_algorithm)
    with pytest.raises(CertificateRefused) as refused:
        verify_detached_cms(forged, challenge)
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [("citizen", "sha256_rsa"), ("citizen", "rsassa_pkcs1v15"), ("business", "sha256_ecdsa")],
)
async def test_a_cms_signature_made_with_sha256_is_accepted_however_its_algorithm_is_named(
    pki_world, name, algorithm
):
    """Plugins write sha256WithRSAEncryption, or rsaEncryption beside a SHA-256 digest."""
    user = pki_world.pki.users[name]
    challenge = os.urandom(32)
    body = await sign_challenge(issued_signer(user), challenge)
    signed_by = verify_detached_cms(
        resigned(body["signature"], user.key, algorithm, hashes.SHA256()), challenge
    )
    assert signed_by.certificate_der == user.der


def test_a_raw_rsa_signature_made_with_sha1_is_refused(pki_world):
    """The raw form and a signing SIM's answer are SHA-256 only (CONTRACTS)."""
    user = pki_world.pki.users["citizen"]
    sha1 = user.key.sign(b"challenge", padding.PKCS1v15(), hashes.SHA1())
    with pytest.raises(CertificateRefused) as refused:
        verify_raw(sha1, user.der, data=b"challenge")
    assert refused.value.reason == "bad_signature"
    digest = hashlib.sha256(b"statement").digest()
    over_sha1 = user.key.sign(
        hashlib.sha1(b"statement").digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA1())
    )
    with pytest.raises(CertificateRefused):
        verify_raw(over_sha1, user.der, digest=digest)
