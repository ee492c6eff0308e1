"""How evidence is stored: one document per account (msgpack, encrypted with the personal
fields' key) whose shared parts - intermediate certificates, anchors, CRLs - are stored
once by SHA-256 in `evidence_blobs`, and a seal (HMAC-SHA256 with a key of its own) over
a canonical encoding that binds the document to its account: id, kind, identity hash,
level, method, creation time, channel, version and (format 2) the holder's fields. A row
copied to another account, an edited level or method, a name swapped in from another
account, a changed byte of the document or of a blob: the seal or a digest no longer
fits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

import msgspec

from bot.accounts.evidence import (
    Evidence,
    OtpProof,
    RegisterCheck,
    SignatureFormat,
    SignatureProof,
)
from bot.accounts.model import Account, NewAccount
from pki_bridge.evidence import StatusSource, ValidationEvidence

# Of the document and of the seal's canonical encoding. 2: the seal binds the holder's
# fields too (`holder_digest`); 1 (before): the keyed identity hash only, so a name or a
# date of birth swapped between accounts kept the seal. Both verify.
FORMAT: Final = 2
FORMATS: Final = (1, 2)


class StoredSignature(msgspec.Struct, frozen=True, kw_only=True):
    """A SignatureProof flat: the statement, the signature and the fields of its
    ValidationEvidence, with the shared DER parts replaced by their digests."""

    statement: bytes
    format: SignatureFormat
    signature: bytes
    certificate: bytes  # the signer's: personal, so inside the encrypted document
    chain: tuple[str, ...]
    anchor: str
    validated_at: dt.datetime
    official: bool
    status_source: StatusSource
    ocsp_responses: tuple[bytes, ...]  # about one certificate each: kept inline
    crls: tuple[str, ...]


class Document(msgspec.Struct, frozen=True, kw_only=True):
    register: RegisterCheck | None = None
    otp: OtpProof | None = None
    signature: StoredSignature | None = None


class BrokenBlob(ValueError):
    """A shared part the document names is missing, or its bytes are not the ones named."""


def digest(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def encode(evidence: Evidence) -> tuple[bytes, dict[str, bytes]]:
    """The document's bytes and the blobs it names (digest -> DER)."""
    blobs: dict[str, bytes] = {}

    def shared(der: bytes) -> str:
        name = digest(der)
        blobs[name] = der
        return name

    stored = None
    if (proof := evidence.signature) is not None:
        v = proof.validation
        parts = {field.name: getattr(v, field.name) for field in dataclasses.fields(v)}
        parts.update(
            chain=tuple(map(shared, v.chain)),
            anchor=shared(v.anchor),
            crls=tuple(map(shared, v.crls)),
        )
        stored = StoredSignature(
            statement=proof.statement, format=proof.format, signature=proof.signature, **parts
        )
    document = Document(register=evidence.register, otp=evidence.otp, signature=stored)
    return msgspec.msgpack.encode(document), blobs


def decode(data: bytes, blobs: Mapping[str, bytes], channel: str, version: str) -> Evidence:
    """The evidence a document holds, its blobs put back. Raises BrokenBlob, or
    msgspec.DecodeError for a document that is not one."""
    document = msgspec.msgpack.decode(data, type=Document)

    def blob(name: str) -> bytes:
        der = blobs.get(name)
        if der is None:
            raise BrokenBlob(f"blob {name[:12]}... is missing")
        if digest(der) != name:
            raise BrokenBlob(f"blob {name[:12]}... does not hold the bytes it names")
        return der

    proof = None
    if (stored := document.signature) is not None:
        parts = msgspec.structs.asdict(stored)
        head = {name: parts.pop(name) for name in ("statement", "format", "signature")}
        parts.update(
            chain=tuple(map(blob, stored.chain)),
            anchor=blob(stored.anchor),
            crls=tuple(map(blob, stored.crls)),
        )
        proof = SignatureProof(**head, validation=ValidationEvidence(**parts))
    return Evidence(channel, version, document.register, document.otp, proof)


def blob_names(data: bytes) -> tuple[str, ...]:
    """The blobs a document names (to load them)."""
    stored = msgspec.msgpack.decode(data, type=Document).signature
    if stored is None:
        return ()
    return (*stored.chain, stored.anchor, *stored.crls)


def holder_digest(account: NewAccount | Account) -> str:
    """SHA-256 of the holder's fields as registered, in clear (it only enters the seal's
    HMAC, never the database): what the account says about whom it belongs to."""
    born = account.date_of_birth.isoformat() if account.date_of_birth else None
    fields = [
        str(account.id_type),
        account.id_number,
        account.full_name,
        born,
        account.phone,
        account.email,
        account.agency,
    ]
    return hashlib.sha256(msgspec.json.encode(fields)).hexdigest()


@dataclass(frozen=True, slots=True)
class Binding:
    """What a seal binds the document to: the account row and where it was made."""

    account_id: int
    kind: str
    identity_hash: str
    level: int
    method: str
    created_at: dt.datetime
    channel: str
    version: str
    holder: str  # holder_digest (format 2 on)
    format: int = FORMAT

    def canonical(self, document: bytes) -> bytes:
        """A JSON array, compact, fixed order; the document by its SHA-256."""
        when = self.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
        fields: list[object] = [
            "regbot-evidence",
            self.format,
            self.account_id,
            self.kind,
            self.identity_hash,
            self.level,
            self.method,
            when,
            self.channel,
            self.version,
            *([self.holder] if self.format >= 2 else []),
            digest(document),
        ]
        return msgspec.json.encode(fields)

    def with_id(self, account_id: int) -> Binding:
        return replace(self, account_id=account_id)


def seal(key: bytes, binding: Binding, document: bytes) -> str:
    return hmac.new(key, binding.canonical(document), hashlib.sha256).hexdigest()


def seal_holds(key: bytes, binding: Binding, document: bytes, stored: str) -> bool:
    return hmac.compare_digest(seal(key, binding, document), stored)
