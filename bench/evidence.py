"""Benchmark: what an account's evidence weighs and what `regbot accounts verify` costs.

A USB-token registration's evidence is made for real: the test PKI's CAs served over HTTP
on loopback (OCSP, CRLs), a CMS signature over a link's registration statement, the
certificate checked by CertificateChecker. Prints the document's size (plain and
encrypted), the shared parts stored once, what a signature proof would add to the
dialog's draft if it were kept there, and the time to seal and to verify one account
offline (seal, blobs, signature, path with the stored OCSP answers and CRLs). Level 2 for
comparison.
Run: .venv/bin/python bench/evidence.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import os
import socket
import sys
import time
from pathlib import Path

import aiohttp
import msgspec
from aiohttp import web
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support

from bot.accounts import sealing
from bot.accounts.audit import verify
from bot.accounts.evidence import Evidence, SignatureFormat, SignatureProof
from bot.accounts.model import Account, AccountKind, IdType, NewAccount
from bot.accounts.records import AccountRecord, StoredEvidence
from bot.keys import SecretKeys
from pki_bridge.revocation import RevocationSource
from pki_bridge.statement import SERVICE, usb_statement
from pki_bridge.testing.pki_server import build_pki_simulator
from pki_bridge.testing.signer import issued_signer, sign_challenge
from pki_bridge.testing.testca import CITIZEN_CCCD, build_test_pki
from pki_bridge.validation import CertificateChecker
from tests.support.evidence import evidence_for

KEYS = SecretKeys.from_secret("bench-secret-0123456789")


def record_of(account: Account, evidence: Evidence) -> tuple[AccountRecord, int, int]:
    """The account as the auditor reads it back; (record, encrypted size, blobs size)."""
    document, blobs = sealing.encode(evidence)
    binding = sealing.Binding(
        account.id,
        str(account.kind),
        KEYS.identity_hash(str(account.kind), account.id_number),
        account.verification_level,
        account.method,
        account.created_at,
        evidence.channel,
        evidence.version,
        sealing.holder_digest(account),
    )
    stored = StoredEvidence(
        binding, sealing.FORMAT, sealing.seal(KEYS.evidence, binding, document), document, blobs
    )
    phone_hash = KEYS.identity_hash("phone", account.phone) if account.phone else None
    record = AccountRecord(
        account,
        binding.identity_hash,
        phone_hash,
        stored,
        identity_hash_of_fields=binding.identity_hash,
        phone_hash_of_fields=phone_hash,
    )
    return record, len(KEYS.fields.encrypt(document)), sum(map(len, blobs.values()))


async def usb_evidence() -> Evidence:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pki = build_test_pki(f"http://127.0.0.1:{port}/sim/pki")
    root = web.Application()
    root.add_subapp("/sim/pki", build_pki_simulator(pki.root, pki.authorities))
    server = TestServer(root, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            checker = CertificateChecker(pki.public_anchors, RevocationSource(session))
            user = pki.users["citizen"]
            link, nonce = os.urandom(32).hex(), os.urandom(16).hex()
            challenge = usb_statement(SERVICE, link, "citizen", nonce, dt.datetime.now(dt.UTC))
            verified = await checker.check(user.der, user.chain_ders)
            body = await sign_challenge(issued_signer(user), challenge)
    finally:
        await server.close()
    signature = base64.b64decode(body["signature"])
    proof = SignatureProof(challenge, SignatureFormat.CMS, signature, verified.evidence)
    return Evidence("bench", "bench", signature=proof)


def account(method: str, level: int) -> Account:
    return Account(
        id=1,
        kind=AccountKind.CITIZEN,
        id_type=IdType.CCCD,
        id_number=CITIZEN_CCCD,
        full_name="Nguyễn Văn An",
        verification_level=level,
        method=method,
        created_at=dt.datetime.now(dt.UTC),
        phone="+84912345678",
    )


async def measure(name: str, acct: Account, evidence: Evidence, rounds: int) -> None:
    started = time.perf_counter()
    for _ in range(rounds):
        record, encrypted, shared = record_of(acct, evidence)
    sealed_ms = (time.perf_counter() - started) / rounds * 1000
    assert record.evidence is not None and record.evidence.document is not None
    started = time.perf_counter()
    for _ in range(rounds):
        checks = await verify(record, KEYS.evidence)
    verify_ms = (time.perf_counter() - started) / rounds * 1000
    assert all(check.ok and not check.warning for check in checks), checks
    print(
        f"{name:<8} document {len(record.evidence.document):>6} B, encrypted {encrypted:>6} B, "
        f"shared parts {shared:>6} B (once for all accounts); "
        f"encode+encrypt+seal {sealed_ms:6.2f} ms, verify {verify_ms:6.2f} ms"
    )


async def main(rounds: int) -> None:
    print(f"evidence per account, {rounds} rounds each; python {sys.version.split()[0]}")
    level_2 = account("mobile", 2)
    new = NewAccount(**{k: getattr(level_2, k) for k in NewAccount.__dataclass_fields__})
    await measure("mobile", level_2, evidence_for(new, KEYS), rounds)
    usb = await usb_evidence()
    await measure("usb", account("usb", 3), usb, rounds)
    assert usb.signature is not None
    in_draft = len(msgspec.msgpack.encode(usb.signature))
    print(
        f"a signature proof in the draft would add {in_draft} B to every turn's sealed record "
        "(a store entry's name adds 64)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(main(parser.parse_args().rounds))
