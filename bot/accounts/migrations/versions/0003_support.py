"""support console: agents, conversations, lookups, events, transcripts, audit log

Revision ID: 0003_support
Revises: 0002_evidence
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_support"
down_revision: str | Sequence[str] | None = "0002_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.SmallInteger(), nullable=False),
        sa.Column("locked_until", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_enc", sa.Text(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("last_at", _AT, nullable=False),
    )
    op.create_index("ix_conversations_last_at", "conversations", ["last_at"])
    op.create_table(
        "conversation_lookups",
        sa.Column("lookup", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("at", _AT, nullable=False),
    )
    op.create_index("ix_conversation_lookups_at", "conversation_lookups", ["at"])
    op.create_table(
        "conversation_events",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("step_before", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_conversation_events_at", "conversation_events", ["at"])
    op.create_table(
        "transcript_lines",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("value_enc", sa.Text(), nullable=True),
    )
    op.create_index("ix_transcript_lines_key_id", "transcript_lines", ["key", "id"])
    op.create_index("ix_transcript_lines_at", "transcript_lines", ["at"])
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("key", sa.String(80), nullable=True),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("detail_enc", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_transcript_lines_at", table_name="transcript_lines")
    op.drop_index("ix_transcript_lines_key_id", table_name="transcript_lines")
    op.drop_table("transcript_lines")
    op.drop_index("ix_conversation_events_at", table_name="conversation_events")
    op.drop_table("conversation_events")
    op.drop_index("ix_conversation_lookups_at", table_name="conversation_lookups")
    op.drop_table("conversation_lookups")
    op.drop_index("ix_conversations_last_at", table_name="conversations")
    op.drop_table("conversations")
    op.drop_table("agents")
