"""The signing plugin's part: fetch a challenge, sign it in a PKCS#11 token or a PKCS#12 file."""

from __future__ import annotations

import argparse
import asyncio
import base64
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, ObjectClass, TokenFlag
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pki_bridge.signatures import decode_base64
from pki_bridge.testing.authority import Issued

TIMEOUT = aiohttp.ClientTimeout(total=30)


def p12_signer(path: str | Path, pin: str) -> Signer:
    """A signer whose key and certificates come from a PKCS#12 file protected by `pin`.

    Read here rather than by pyhanko's `load_pkcs12`, which logs a traceback for a wrong
    passphrase before returning None: a person who mistyped a PIN gets one line.
    """
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(Path(path).read_bytes(), pin.encode())
    except ValueError:
        raise ValueError(f"wrong PIN for {path}, or it is not a PKCS#12 file") from None
    if key is None or cert is None:
        raise ValueError(f"{path} holds no key with its certificate")
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = serialization.Encoding.DER
    return SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in extra or ()]
        ),
    )


def issued_signer(issued: Issued) -> Signer:
    """A signer for a certificate made in memory (test PKI, simulators)."""
    if issued.key is None:
        raise ValueError("the key of this certificate is not here")
    key_der = issued.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(issued.der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(der) for der in issued.chain_ders]
        ),
    )


@contextmanager
def pkcs11_signer(lib: str, pin: str, *, token_label: str | None = None) -> Iterator[Signer]:
    """A signer for the first private key in the token (and the certificate with its ID).

    The key never leaves the token; the PIN unlocks the session.
    """
    label = token_label or _only_token(lib)
    session = open_pkcs11_session(lib, token_criteria=TokenCriteria(label=label), user_pin=pin)
    try:
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        if not keys:
            raise ValueError("no private key in the token")
        key_id = keys[0][Attribute.ID]
        yield PKCS11Signer(session, key_id=key_id, cert_id=key_id, other_certs_to_pull=None)
    finally:
        session.close()


def _only_token(lib: str) -> str:
    """The label of the one initialised token plugged in (drivers also list empty slots)."""
    tokens = [slot.get_token() for slot in pkcs11.lib(lib).get_slots(token_present=True)]
    labels = [t.label for t in tokens if t.flags & TokenFlag.TOKEN_INITIALIZED]
    if len(labels) != 1:
        raise ValueError(f"found {len(labels)} tokens {labels}: choose one with --token-label")
    return str(labels[0])


def _certificates(signer: Signer) -> tuple[str, list[str]]:
    cert = signer.signing_cert
    if cert is None:
        raise ValueError("the signer has no certificate")
    chain = [
        c.dump() for c in signer.cert_registry if c.dump() != cert.dump() and c.self_signed == "no"
    ]
    return (
        base64.b64encode(cert.dump()).decode(),
        [base64.b64encode(der).decode() for der in chain],
    )


async def sign_challenge(signer: Signer, challenge: bytes, *, raw: bool = False) -> dict[str, Any]:
    """The body for `POST /sign/{token}`: a detached CMS SignedData over the challenge,
    or (`raw`) a bare SHA-256 signature with the certificate and chain beside it."""
    if raw:
        signature = await signer.async_sign_raw(challenge, "sha256")
        cert, chain = _certificates(signer)
        return {
            "signature": base64.b64encode(signature).decode(),
            "certificate": cert,
            "chain": chain,
            "hash_algorithm": "SHA256",
        }
    content_info = await signer.async_sign_general_data(challenge, "sha256", detached=True)
    return {"signature": base64.b64encode(content_info.dump()).decode()}


async def sign_url(
    url: str, signer: Signer, *, raw: bool = False, session: aiohttp.ClientSession | None = None
) -> tuple[int, dict[str, Any]]:
    """Fetch `URL/challenge`, sign it and post the result to `URL`; return (status, body)."""
    url = url.rstrip("/")
    own = session is None
    session = session or aiohttp.ClientSession(timeout=TIMEOUT)
    try:
        async with session.get(f"{url}/challenge") as resp:
            resp.raise_for_status()
            challenge = decode_base64((await resp.json())["challenge"])
        body = await sign_challenge(signer, challenge, raw=raw)
        async with session.post(url, json=body) as resp:
            try:
                reply = await resp.json(content_type=None)
            except ValueError:
                reply = {}
            return resp.status, reply if isinstance(reply, dict) else {}
    finally:
        if own:
            await session.close()


def main_sign(argv: Sequence[str] | None = None) -> int:
    """`regbot sign URL (--pkcs11-lib PATH | --p12 FILE) --pin PIN [--raw]`; 0 when accepted."""
    parser = argparse.ArgumentParser(prog="regbot sign")
    parser.add_argument("url", help="the one-time link regbot gave, e.g. https://…/sign/TOKEN")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pkcs11-lib", help="the token driver (PKCS#11 module .so)")
    source.add_argument("--p12", type=Path, help="a PKCS#12 file instead of a token")
    parser.add_argument("--pin", required=True, help="the token PIN or PKCS#12 passphrase")
    parser.add_argument("--token-label", help="which token, when several are plugged in")
    parser.add_argument("--raw", action="store_true", help="post a raw signature, not CMS")
    args = parser.parse_args(argv)
    try:
        if args.p12:
            signer = p12_signer(args.p12, args.pin)
            status, reply = asyncio.run(sign_url(args.url, signer, raw=args.raw))
        else:
            with pkcs11_signer(args.pkcs11_lib, args.pin, token_label=args.token_label) as signer:
                status, reply = asyncio.run(sign_url(args.url, signer, raw=args.raw))
    except (pkcs11.exceptions.PKCS11Error, ValueError, OSError, aiohttp.ClientError) as exc:
        # a wrong PIN, no token, an unreadable file, the link unreachable: say which
        print(f"regbot sign: {_reason(exc)}", file=sys.stderr)
        return 2
    print(f"{status} {reply}")
    return 0 if status == 200 else 1


def _reason(exc: Exception) -> str:
    if isinstance(exc, pkcs11.exceptions.PinIncorrect):
        return "wrong PIN for the token"
    if isinstance(exc, pkcs11.exceptions.PinLocked):
        return "the token's PIN is locked"
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
