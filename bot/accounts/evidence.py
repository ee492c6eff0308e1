"""The evidence of an account's level: what was checked, against what, when. Written with
the account (`Accounts.create`), sealed, and re-checked offline by `regbot accounts verify`.

The rules of what each method must show (`shortfalls`) are the same at both ends: the
repository refuses an account whose evidence falls short, and the auditor reports one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import metadata
from typing import Final

from bot.accounts.model import Account, AccountKind, NewAccount, RegistrationMethod
from pki_bridge.evidence import ValidationEvidence


class Register(StrEnum):
    """The register that vouched for a level-2 registration."""

    CARRIER = "carrier"  # the carrier's subscriber register ("thuê bao chính chủ")
    BHXH = "bhxh"  # the social-insurance register


class Matched(StrEnum):
    """A field the person gave that the register's record matched (never the record)."""

    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    ID_NUMBER = "id_number"


@dataclass(frozen=True, slots=True)
class RegisterCheck:
    """A register's answer: who answered, when, which fields matched. `reference` is the
    key the record was read by when it is the person's own (the BHXH code): encrypted at
    rest with the rest of the evidence."""

    register: Register
    answered_by: str  # the carrier that answered (e.g. "Viettel"); "BHXH"
    read_at: dt.datetime
    matched: tuple[Matched, ...]
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class OtpProof:
    """The code sent by SMS that the person typed back. The phone only as the same keyed
    hash as the account's `phone_hash`; the code never."""

    phone_hash: str
    sent_at: dt.datetime
    verified_at: dt.datetime
    tries: int  # codes typed against the verified one, the right one included
    resends: int


class SignatureFormat(StrEnum):
    """How the signature covers the statement."""

    RAW_DIGEST = "raw-sha256-digest"  # signing SIM: raw signature over SHA-256(statement)
    RAW = "raw-sha256"  # USB token: raw SHA-256 signature over the challenge
    CMS = "cms-detached"  # USB token: detached CMS SignedData over the challenge


@dataclass(frozen=True, slots=True)
class SignatureProof:
    """A verified signature: the statement signed (the SIM's registration statement, or
    the USB link's challenge), the signature as it came, and why its certificate was
    accepted (path, anchor, OCSP responses / CRLs, time)."""

    statement: bytes
    format: SignatureFormat
    signature: bytes
    validation: ValidationEvidence


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything an account's level rests on, and where it was made."""

    channel: str
    version: str  # regbot's version
    register: RegisterCheck | None = None
    otp: OtpProof | None = None
    signature: SignatureProof | None = None


class InsufficientEvidence(ValueError):
    """An account whose evidence does not carry its level: it is not written."""


@dataclass(frozen=True, slots=True)
class _Rule:
    level: int
    register: Register | None = None
    matched: frozenset[Matched] = frozenset()
    formats: frozenset[SignatureFormat] = frozenset()


_LEVEL_2_MATCH: Final = frozenset({Matched.FULL_NAME, Matched.DATE_OF_BIRTH})
RULES: Final[Mapping[str, _Rule]] = {
    RegistrationMethod.MOBILE: _Rule(2, Register.CARRIER, _LEVEL_2_MATCH | {Matched.ID_NUMBER}),
    RegistrationMethod.BHXH: _Rule(2, Register.BHXH, _LEVEL_2_MATCH),
    RegistrationMethod.SIM: _Rule(3, formats=frozenset({SignatureFormat.RAW_DIGEST})),
    RegistrationMethod.USB: _Rule(3, formats=frozenset({SignatureFormat.RAW, SignatureFormat.CMS})),
}


def shortfalls(
    account: NewAccount | Account, evidence: Evidence, phone_hash: str | None
) -> list[str]:
    """What the evidence lacks for this account's method and level (empty: it suffices).

    `phone_hash` is the account's phone as keyed hash: a level-2 code must have gone to it.
    The signature's own validity is the auditor's to re-check (`bot.accounts.audit`).
    """
    rule = RULES.get(account.method)
    if rule is None:
        return [f"no evidence rule for method {account.method!r}"]
    lacking = []
    if account.verification_level != rule.level:
        lacking.append(
            f"method {account.method} gives level {rule.level}, not {account.verification_level}"
        )
    if not evidence.channel or not evidence.version:
        lacking.append("the channel and version that made the account are not recorded")
    if rule.register is not None:
        lacking += _level_2(rule, evidence, phone_hash)
    elif evidence.register is not None or evidence.otp is not None:
        lacking.append("a register check or an SMS code cannot carry a signature's level")
    if rule.formats:
        lacking += _level_3(rule, account, evidence)
    elif evidence.signature is not None:
        lacking.append("a signature is not the evidence of this method")
    return lacking


def _level_2(rule: _Rule, evidence: Evidence, phone_hash: str | None) -> list[str]:
    lacking = []
    check, otp = evidence.register, evidence.otp
    if check is None or check.register is not rule.register:
        lacking.append(f"no answer of the {rule.register} register")
    else:
        missing = rule.matched - set(check.matched)
        if missing:
            lacking.append("fields not matched: " + ", ".join(sorted(missing)))
        if rule.register is Register.BHXH and not check.reference:
            lacking.append("the BHXH code is not recorded")
    if otp is None:
        lacking.append("no SMS code was verified")
    else:
        if phone_hash is None or otp.phone_hash != phone_hash:
            lacking.append("the SMS code did not go to the account's phone")
        # (a code may predate the last register answer: confirming the same details
        # again while it is live does not send another)
        if otp.tries < 1 or otp.verified_at < otp.sent_at:
            lacking.append("the SMS code's times or tries are not those of a typed code")
    return lacking


def _level_3(rule: _Rule, account: NewAccount | Account, evidence: Evidence) -> list[str]:
    proof = evidence.signature
    if proof is None:
        return ["no signature"]
    lacking = []
    if proof.format not in rule.formats:
        lacking.append(f"a {proof.format} signature is not how method {account.method} signs")
    if proof.validation.official != (account.kind is AccountKind.OFFICIAL):
        lacking.append("the certificate was checked against the wrong anchors for this kind")
    if not proof.statement or not proof.signature:
        lacking.append("the signed statement or the signature is missing")
    return lacking


@cache
def regbot_version() -> str:
    """The installed regbot's version (recorded with each account)."""
    try:
        return metadata.version("regbot")
    except metadata.PackageNotFoundError:
        return "unknown"
