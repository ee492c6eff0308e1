"""Accounts as an auditor reads them: the row, its keyed hashes, and its evidence exactly
as stored (the document decrypted but not trusted yet: `bot.accounts.audit` checks it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Row, exists, select

from bot.accounts import sealing
from bot.accounts.model import Account, AccountKind, IdType
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
    """`identity_hash` / `phone_hash` as stored; `*_of_fields` made again from the
    decrypted number and phone: they differ when a ciphertext was replaced."""

    account: Account
    identity_hash: str
    phone_hash: str | None
    evidence: StoredEvidence | None
    identity_hash_of_fields: str = ""
    phone_hash_of_fields: str | None = None


class UnreadableAccount(ValueError):
    """A row regbot cannot have written: a field that names no kind or type, or a
    ciphertext that does not open while others do. `opened_nothing`: no field opened
    (most likely another deployment's key, not a damaged row)."""

    def __init__(self, problems: list[str], *, opened_nothing: bool) -> None:
        super().__init__("; ".join(problems))
        self.opened_nothing = opened_nothing


_ENCRYPTED: dict[str, str] = {
    "id_number_enc": "the identity number",
    "full_name_enc": "the full name",
    "date_of_birth_enc": "the date of birth",
    "phone_enc": "the phone",
    "email_enc": "the email",
}


class AccountRecords(SqlAccounts):
    """Read-only access for `regbot accounts show / verify`."""

    async def ids(self) -> list[int]:
        async with self._connection() as connection:
            result = await connection.execute(select(accounts.c.id).order_by(accounts.c.id))
            return [int(value) for value in result.scalars()]

    async def orphans(self) -> list[int]:
        """The accounts whose evidence is stored but whose row is gone: deleted by hand
        (SQLite does not enforce the foreign key; PostgreSQL refuses such a delete)."""
        gone = ~exists().where(accounts.c.id == evidence_table.c.account_id)
        query = (
            select(evidence_table.c.account_id).where(gone).order_by(evidence_table.c.account_id)
        )
        async with self._connection() as connection:
            return [int(value) for value in (await connection.execute(query)).scalars()]

    async def record(self, account_id: int) -> AccountRecord | None:
        query = (
            select(accounts, *evidence_table.c)
            .outerjoin(evidence_table, evidence_table.c.account_id == accounts.c.id)
            .where(accounts.c.id == account_id)
        )
        async with self._connection() as connection:
            with _typed():
                row = (await connection.execute(query)).first()
                if row is None:
                    return None
                account = self._readable(row)
                stored = self._stored(row, account)
            if stored is not None and stored.document is not None:
                names = _names(stored.document)
                if names:
                    found = await connection.execute(
                        select(evidence_blobs).where(evidence_blobs.c.digest.in_(names))
                    )
                    stored.blobs.update({blob.digest: bytes(blob.der) for blob in found})
        return AccountRecord(
            account,
            row.identity_hash,
            row.phone_hash,
            stored,
            identity_hash_of_fields=self._identity_hash(account.kind, account.id_number),
            phone_hash_of_fields=(
                self._keys.identity_hash("phone", account.phone) if account.phone else None
            ),
        )

    def _readable(self, row: Row[Any]) -> Account:
        """The account, or UnreadableAccount naming every field that is not regbot's."""
        problems = []
        if row.kind not in set(AccountKind):
            problems.append(f"kind {row.kind!r} is not a kind of account regbot makes")
        if row.id_type not in set(IdType):
            problems.append(f"identity type {row.id_type!r} is not one regbot records")
        present = [column for column in _ENCRYPTED if getattr(row, column) is not None]
        closed = [column for column in present if not self._opens(getattr(row, column))]
        for column in closed:
            problems.append(
                f"{_ENCRYPTED[column]} does not open with this REGBOT_SECRET_KEY "
                "(its ciphertext was replaced or damaged)"
            )
        if problems:
            raise UnreadableAccount(problems, opened_nothing=len(closed) == len(present))
        return self._account(row)

    def _opens(self, token: str) -> bool:
        try:
            self._keys.decrypt(token)
        except (InvalidToken, UnicodeDecodeError):
            return False
        return True

    def _stored(self, row: Row[Any], account: Account) -> StoredEvidence | None:
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
            holder=sealing.holder_digest(account),
            format=int(row.format),
        )
        return StoredEvidence(binding, int(row.format), row.seal, document)


@contextmanager
def _typed() -> Iterator[None]:
    """SQLite keeps whatever an UPDATE wrote, whatever the column's type: a level or a
    time that is no number or date is that row's failure, not the audit's end."""
    try:
        yield
    except UnreadableAccount:
        raise
    except (ValueError, TypeError) as exc:
        # the value is a level, time or format, never a personal field (those only decrypt)
        problem = f"a column holds a value of another type than regbot writes ({exc})"
        raise UnreadableAccount([problem], opened_nothing=False) from exc


def _names(document: bytes) -> tuple[str, ...]:
    try:
        return sealing.blob_names(document)
    except ValueError:  # not a document: the auditor says so
        return ()
