"""Stories of a signature's evidence between its acceptance and the account: kept whole,
sealed, and never mistaken for another's."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.accounts.evidence import SignatureFormat, SignatureProof
from bot.keys import SecretKeys
from bot.signing.proofs import SignatureProofs
from bot.state.memory import MemoryStore
from pki_bridge.evidence import StatusSource, ValidationEvidence

KEYS = SecretKeys.from_secret("unit-test-secret-0123456789")
PROOF = SignatureProof(
    statement=b"DVCQG registration statement\nphone: +84912345678\n",
    format=SignatureFormat.RAW_DIGEST,
    signature=b"\x30" * 70,
    validation=ValidationEvidence(
        certificate=b"signer",
        chain=(b"intermediate",),
        anchor=b"root",
        validated_at=dt.datetime(2026, 1, 5, 9, 30, 1, 123456, tzinfo=dt.UTC),
        official=False,
        status_source=StatusSource.OCSP,
        ocsp_responses=(b"ocsp",),
        crls=(b"crl",),
    ),
)


def proofs(store: MemoryStore, keys: SecretKeys = KEYS) -> SignatureProofs:
    return SignatureProofs(store, keys.sealer("signature-proof"), keys.tokens)


async def test_a_kept_proof_reads_back_whole_and_the_store_holds_nothing_in_clear():
    store = MemoryStore()
    name = await proofs(store).keep(PROOF)
    assert await proofs(store).get(name) == PROOF
    blob = await store.load(f"sigproof:{name}")
    assert blob is not None and b"+84912345678" not in blob and b"signer" not in blob


async def test_another_proof_put_under_a_name_is_not_taken_for_it():
    store = MemoryStore()
    mine = await proofs(store).keep(PROOF)
    theirs = await proofs(store).keep(dataclasses.replace(PROOF, signature=b"\x30" * 71))
    swapped = await store.load(f"sigproof:{theirs}")
    assert swapped is not None
    await store.save(f"sigproof:{mine}", swapped, 60)
    assert await proofs(store).get(mine) is None


async def test_a_proof_sealed_with_another_key_or_gone_is_none():
    store = MemoryStore()
    name = await proofs(store, SecretKeys.from_secret("another deployment's secret")).keep(PROOF)
    assert await proofs(store).get(name) is None
    assert await proofs(store).get("0" * 64) is None
