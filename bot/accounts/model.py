"""Accounts as the dialogs see them: what a registration creates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class AccountKind(StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"
    OFFICIAL = "official"


class RegistrationMethod(StrEnum):
    """How an account's owner was verified (guide §1.1-1.4); its evidence follows from it."""

    MOBILE = "mobile"  # mobile subscriber, checked with the carrier (level 2)
    BHXH = "bhxh"  # social-insurance code, checked with BHXH (level 2)
    SIM = "sim"  # signing SIM (level 3)
    USB = "usb"  # USB token, citizens, businesses and officials (level 3)


class IdType(StrEnum):
    CCCD = "CCCD"  # citizen identity card, 12 digits
    CMND = "CMND"  # old identity card, 9 or 12 digits
    MST = "MST"  # tax code (business)
    HC = "HC"  # passport
    MNS = "MNS"  # budget-unit code (agencies)


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A registration ready to be stored. `password_hash` is argon2id, never a password."""

    kind: AccountKind
    id_type: IdType
    id_number: str
    full_name: str
    verification_level: int  # 2 (carrier / BHXH verified) or 3 (digital signature)
    method: RegistrationMethod
    date_of_birth: date | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    password_hash: str | None = None
    agency: str | None = None  # officials: O/OU of the certificate


@dataclass(frozen=True, slots=True)
class Account:
    """A stored account, personal fields decrypted."""

    id: int
    kind: AccountKind
    id_type: IdType
    id_number: str
    full_name: str
    verification_level: int
    method: str  # a RegistrationMethod as stored (a tampered row may hold anything)
    created_at: datetime
    date_of_birth: date | None = None
    phone: str | None = None
    email: str | None = None
    password_hash: str | None = None
    agency: str | None = None


class DuplicateAccount(Exception):
    """An account with this identity (per kind) already exists."""


class AccountsUnavailable(Exception):
    """The database cannot be reached; the person is asked to try again."""
