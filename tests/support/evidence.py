"""Evidence for tests that store accounts directly (the repository's contract, a story
that needs an account to exist): sufficient in shape for the method, checked by
nothing cryptographic. Stories of the evidence itself register through the dialogs."""

from __future__ import annotations

import datetime as dt

from bot.accounts.evidence import (
    Evidence,
    Matched,
    OtpProof,
    Register,
    RegisterCheck,
    SignatureFormat,
    SignatureProof,
)
from bot.accounts.model import NewAccount
from bot.keys import SecretKeys
from pki_bridge.evidence import StatusSource, ValidationEvidence

READ_AT = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def evidence_for(account: NewAccount, keys: SecretKeys) -> Evidence:
    """What the account's method would have recorded (a signature in shape only)."""
    if account.method in ("sim", "usb"):
        return Evidence("test", "test", signature=placeholder_signature(account))
    register = (
        RegisterCheck(Register.CARRIER, "Viettel", READ_AT, tuple(Matched))
        if account.method == "mobile"
        else RegisterCheck(
            Register.BHXH,
            "BHXH",
            READ_AT,
            (Matched.FULL_NAME, Matched.DATE_OF_BIRTH),
            reference="0123456789",
        )
    )
    otp = OtpProof(
        phone_hash=keys.identity_hash("phone", account.phone or ""),
        sent_at=READ_AT + dt.timedelta(seconds=1),
        verified_at=READ_AT + dt.timedelta(seconds=40),
        tries=1,
        resends=0,
    )
    return Evidence("test", "test", register, otp)


def placeholder_signature(account: NewAccount) -> SignatureProof:
    return SignatureProof(
        statement=b"statement",
        format=SignatureFormat.RAW_DIGEST if account.method == "sim" else SignatureFormat.CMS,
        signature=b"signature",
        validation=ValidationEvidence(
            certificate=b"certificate",
            chain=(b"intermediate",),
            anchor=b"anchor",
            validated_at=READ_AT,
            official=account.kind == "official",
            status_source=StatusSource.OCSP,
            ocsp_responses=(b"ocsp",),
        ),
    )
