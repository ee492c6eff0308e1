"""account_evidence: the sealed evidence of each account's level; evidence_blobs: the DER
many records share (intermediates, anchors, CRLs), once by SHA-256

Revision ID: 0002_evidence
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_evidence"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_evidence",
        sa.Column(
            "account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("accounts.id", name="fk_account_evidence_account_id_accounts"),
            primary_key=True,
        ),
        sa.Column("format", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("regbot_version", sa.String(64), nullable=False),
        sa.Column("document_enc", sa.Text(), nullable=False),
        sa.Column("seal", sa.String(64), nullable=False),
    )
    op.create_table(
        "evidence_blobs",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("der", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence_blobs")
    op.drop_table("account_evidence")
