"""The `accounts` table: identity by keyed hash, personal fields only as ciphertext."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UNIQUE_IDENTITY: Final = "uq_accounts_kind_identity_hash"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone by itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class AccountRow(Base):
    """One registered account. `*_enc` columns are Fernet tokens (SecretKeys.fields);
    `identity_hash` / `phone_hash` are HMAC-SHA256 (SecretKeys.identity) for look-ups."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    identity_hash: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(8))
    id_number_enc: Mapped[str] = mapped_column(Text)
    full_name_enc: Mapped[str] = mapped_column(Text)
    date_of_birth_enc: Mapped[str | None] = mapped_column(Text)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    email_enc: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    verification_level: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        # One account per identity and kind, enforced by the database itself, so two
        # concurrent registrations cannot both pass an application-level check.
        Index(UNIQUE_IDENTITY, "kind", "identity_hash", unique=True),
        Index("ix_accounts_phone_hash", "phone_hash"),
    )


accounts: Final = cast(Table, AccountRow.__table__)


class EvidenceRow(Base):
    """The evidence of one account's level (`bot.accounts.sealing`): `document_enc` is a
    Fernet token (SecretKeys.fields) of the msgpack document, `seal` an HMAC-SHA256
    (SecretKeys.evidence) binding it to its account. Written in the account's transaction."""

    __tablename__ = "account_evidence"

    account_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("accounts.id", name="fk_account_evidence_account_id_accounts"),
        primary_key=True,
    )
    format: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(32))
    regbot_version: Mapped[str] = mapped_column(String(64))
    document_enc: Mapped[str] = mapped_column(Text)
    seal: Mapped[str] = mapped_column(String(64))


class EvidenceBlobRow(Base):
    """DER that many accounts' evidence shares (intermediates, anchors, CRLs), stored once
    under its SHA-256; nothing personal (a signer's own certificate stays in its document)."""

    __tablename__ = "evidence_blobs"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)


evidence: Final = cast(Table, EvidenceRow.__table__)
evidence_blobs: Final = cast(Table, EvidenceBlobRow.__table__)
