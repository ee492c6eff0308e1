"""Accounts as an auditor reads them: the row, its keyed hashes, and its evidence exactly
as stored (the document decrypted but not trusted yet: `bot.accounts.audit` checks it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Row, select

from bot.accounts import sealing
from bot.accounts.model import Account
from bot.accounts.repository import SqlAccounts
from bot.accounts.tables import accounts, evidence_blobs
from bot.accounts.tables import evidence as evidence_table


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """An evidence row: what its seal must bind (`binding`, from the account row and this
    one), the seal, and the document with the shared parts it names."""

    binding: sealing.Binding
    format: int
    seal: str
    document: bytes | None  # None: the token does not open with this key
    blobs: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountRecord:
    account: Account
    identity_hash: str
    phone_hash: str | None
    evidence: StoredEvidence | None


class AccountRecords(SqlAccounts):
    """Read-only access for `regbot accounts show / verify`."""

    async def ids(self) -> list[int]:
        async with self._connection() as connection:
            result = await connection.execute(select(accounts.c.id).order_by(accounts.c.id))
            return [int(value) for value in result.scalars()]

    async def record(self, account_id: int) -> AccountRecord | None:
        query = (
            select(accounts, *evidence_table.c)
            .outerjoin(evidence_table, evidence_table.c.account_id == accounts.c.id)
            .where(accounts.c.id == account_id)
        )
        async with self._connection() as connection:
            row = (await connection.execute(query)).first()
            if row is None:
                return None
            stored = self._stored(row)
            if stored is not None and stored.document is not None:
                names = _names(stored.document)
                if names:
                    found = await connection.execute(
                        select(evidence_blobs).where(evidence_blobs.c.digest.in_(names))
                    )
                    stored.blobs.update({blob.digest: bytes(blob.der) for blob in found})
        return AccountRecord(self._account(row), row.identity_hash, row.phone_hash, stored)

    def _stored(self, row: Row[Any]) -> StoredEvidence | None:
        if row.seal is None:
            return None
        try:
            document: bytes | None = self._keys.fields.decrypt(row.document_enc.encode())
        except InvalidToken:
            document = None
        binding = sealing.Binding(
            account_id=int(row.id),
            kind=row.kind,
            identity_hash=row.identity_hash,
            level=int(row.verification_level),
            method=row.method,
            created_at=row.created_at,
            channel=row.channel,
            version=row.regbot_version,
        )
        return StoredEvidence(binding, int(row.format), row.seal, document)


def _names(document: bytes) -> tuple[str, ...]:
    try:
        return sealing.blob_names(document)
    except ValueError:  # not a document: the auditor says so
        return ()
