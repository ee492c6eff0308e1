"""accounts: one account per identity and kind, personal fields encrypted

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("identity_hash", sa.String(64), nullable=False),
        sa.Column("id_type", sa.String(8), nullable=False),
        sa.Column("id_number_enc", sa.Text(), nullable=False),
        sa.Column("full_name_enc", sa.Text(), nullable=False),
        sa.Column("date_of_birth_enc", sa.Text(), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("email_enc", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("verification_level", sa.SmallInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("agency", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_accounts_kind_identity_hash", "accounts", ["kind", "identity_hash"], unique=True
    )
    op.create_index("ix_accounts_phone_hash", "accounts", ["phone_hash"])


def downgrade() -> None:
    op.drop_index("ix_accounts_phone_hash", table_name="accounts")
    op.drop_index("uq_accounts_kind_identity_hash", table_name="accounts")
    op.drop_table("accounts")
