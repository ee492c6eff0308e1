"""What a dialog keeps between turns, typed: the person's details as typed or read from a
register, the OTP's state, the signature's, a password reset's. Stored sealed in the
conversation record (`bot.state.session`); never a password or an OTP in clear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from bot.accounts.evidence import RegisterCheck
from bot.accounts.model import AccountKind, IdType
from bot.i18n import Personal, PersonalKind

# How each field a step fills is masked in records (transcripts, the console).
FIELD_KINDS: Final[Mapping[str, PersonalKind]] = {
    "full_name": PersonalKind.NAME,
    "record_name": PersonalKind.NAME,
    "birth_date": PersonalKind.DATE,
    "id_number": PersonalKind.ID,
    "phone": PersonalKind.PHONE,
    "email": PersonalKind.EMAIL,
    "bhxh_code": PersonalKind.ID,
}


class Checked(StrEnum):
    """Where the number an account already holds came from, as the duplicate screen
    says it: the number typed, the one on the BHXH record, the certificate's."""

    TYPED_ID = "typed_id"
    BHXH_RECORD = "bhxh_record"
    CERTIFICATE = "certificate"


@dataclass(slots=True)
class PersonDraft:
    """A registrant's details. Steps name these fields (`Step.field`)."""

    full_name: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None  # CCCD/CMND (citizens), tax code (businesses)
    phone: str | None = None  # E.164
    email: str | None = None
    bhxh_code: str | None = None
    record_name: str | None = None  # the BHXH register's spelling, with diacritics

    @property
    def id_type(self) -> IdType:
        """CCCD has 12 digits, CMND 9 (or an old 12-digit CMND: both are checked alike)."""
        return (
            IdType.CMND if self.id_number is not None and len(self.id_number) == 9 else IdType.CCCD
        )


@dataclass(slots=True)
class OtpState:
    """A code sent by SMS: only its keyed digest is kept (`bot.otp`)."""

    phone: str
    digest: str
    salt: str
    issued_at: float  # epoch seconds: any worker reads it
    attempts: int = 0
    resends: int = 0
    used: bool = False
    verified_at: float | None = None  # epoch seconds: when the right code was typed


@dataclass(slots=True)
class SignedIdentity:
    """Who a verified signature vouches for, as the certificate says."""

    kind: AccountKind
    id_type: IdType
    id_number: str
    name: str
    issuer: str
    not_after: dt.date
    agency: str | None = None  # officials: the agency in the certificate


@dataclass(slots=True)
class SignatureDraft:
    """A level-3 registration under way: the SIM request or the USB-token link."""

    sim_requests: int = 0  # requests sent in this dialog (limited)
    sim_session: str | None = None
    statement: str | None = None  # the registration statement the SIM signs (its SHA-256)
    sim_code: str | None = None  # the 4-digit code shown on both sides
    sim_started: float | None = None  # epoch seconds
    sim_checked: bool = False  # the outcome of the latest request was asked for
    link_id: str | None = None  # the store key of the USB-token link (a keyed hash)
    link_url: str | None = None
    link_sms: int = 0  # links this dialog sent by SMS (limited)
    certified: SignedIdentity | None = None  # set once the signature is accepted


@dataclass(slots=True)
class EvidenceDraft:
    """What the checks found, for the account's evidence (`bot.accounts.evidence`).

    A register's answer is small and kept here. A signature's evidence (certificate,
    chain, OCSP responses, CRLs: kilobytes, more with a large CRL) is not: this draft is
    sealed and written on every turn. It waits in a sealed store entry of its own
    (`bot.signing.proofs`), written once when the signature is accepted and read once
    when the account is written; `signature` names that entry.
    """

    register: RegisterCheck | None = None
    signature: str | None = None


@dataclass(slots=True)
class PasswordEntry:
    """The first password entry until its confirmation: a salt and a keyed digest
    (`bot.passwords.entry_digest`), never the password."""

    salt: bytes
    digest: bytes


@dataclass(slots=True)
class Draft:
    kind: AccountKind | None = None  # who registers (or whose password is reset)
    person: PersonDraft = field(default_factory=PersonDraft)
    otp: OtpState | None = None
    password_entry: PasswordEntry | None = None  # until the confirmation matches
    password_attempts: int = 0  # confirmations checked in this dialog (limited)
    password_hash: str | None = None  # argon2id, once the confirmation matches
    signature: SignatureDraft = field(default_factory=SignatureDraft)
    evidence: EvidenceDraft = field(default_factory=EvidenceDraft)
    account_id: int | None = None  # forgot password: set only when an account matched
    duplicate_of: Checked | None = None  # set when the duplicate check found an account

    @property
    def personal(self) -> bool:
        """Anything beyond the registrant kind chosen on the first screens: what the
        person typed, a code sent to them, a signature - theirs alone to see."""
        return self != Draft(kind=self.kind)

    def personal_values(self) -> tuple[Personal, ...]:
        """Every personal value the draft holds, typed: records mask each wherever it
        appears, and index the conversation by the keyed hash of its phones and IDs."""
        return tuple(_personal(self))


def _personal(draft: Draft) -> Iterator[Personal]:
    person = draft.person
    for name, kind in FIELD_KINDS.items():
        value = getattr(person, name)
        if isinstance(value, dt.date):
            yield Personal(value.strftime("%d/%m/%Y"), kind)
            yield Personal(value.isoformat(), kind)
        elif value:
            yield Personal(str(value), kind)
    if draft.otp is not None:
        yield Personal(draft.otp.phone, PersonalKind.PHONE)
    certified = draft.signature.certified
    if certified is not None:
        yield Personal(certified.id_number, PersonalKind.ID)
        yield Personal(certified.name, PersonalKind.NAME)
