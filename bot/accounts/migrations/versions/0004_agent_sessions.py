"""support console: agents.session_epoch, so signing out ends the agent's sessions

Revision ID: 0004_agent_sessions
Revises: 0003_support
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_agent_sessions"
down_revision: str | Sequence[str] | None = "0003_support"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a session cookie holds the epoch it was signed in at; signing out moves it on
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("session_epoch")
