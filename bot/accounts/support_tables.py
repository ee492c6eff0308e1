"""The support console's tables: agents, conversations and what they said (transcripts,
encrypted like account fields), conversation events (the funnel) and the audit log.

No phone or ID number is stored in clear: a conversation is found by the keyed hash of the
numbers it carried (`conversation_lookups`, `bot.state.keys.KeyBuilder.lookup`); what a
person typed and saw is kept masked and encrypted (`text_enc`), and a typed value a
supervisor may reveal is kept encrypted apart (`value_enc`, SecretKeys.fields).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, cast

from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.accounts.tables import Base, UtcDateTime

KEY_LENGTH: Final = 80  # `channel:<32 hex>`
_ID = BigInteger().with_variant(Integer, "sqlite")


class AgentRow(Base):
    """A support agent (`regbot agents add`): argon2id password, lockout after failures,
    and the epoch of their sessions (signing out ends every one)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # sessions signed in at another epoch are over: signing out moves it on
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ConversationRow(Base):
    """A person's conversation on a channel, by its state key (a keyed hash)."""

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_enc: Mapped[str] = mapped_column(Text)  # the id on the channel, to reach them
    label: Mapped[str] = mapped_column(String(64))  # masked, e.g. +8491****678
    kind: Mapped[str] = mapped_column(String(16), default="")
    method: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LookupRow(Base):
    """A keyed hash of a phone or ID number a conversation carried -> the conversation."""

    __tablename__ = "conversation_lookups"

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class EventRow(Base):
    """One turn (or an agent's action) of a conversation: the funnel counts these."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="")
    method: Mapped[str] = mapped_column(String(32), default="")
    step_before: Mapped[str] = mapped_column(String(64), default="")
    step: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(32))
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[int] = mapped_column(SmallInteger, default=0)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_conversation_events_at", "at"),)


class TranscriptRow(Base):
    """One line of a transcript: masked text, encrypted; a revealable typed value apart."""

    __tablename__ = "transcript_lines"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    role: Mapped[str] = mapped_column(String(8))  # person | bot | agent | note
    step: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(64), default="")
    text_enc: Mapped[str] = mapped_column(Text)
    # how to read `text_enc`: a PersonalKind (a masked typed value), "choice", "text",
    # "chat", "secret", "action", or an agent's outcome ("take_over"...)
    kind: Mapped[str | None] = mapped_column(String(16))
    value_enc: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_transcript_lines_key_id", "key", "id"),
        Index("ix_transcript_lines_at", "at"),
    )


class AuditRow(Base):
    """Who did what, when and why, in the console (kept a year; supervisors read it)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. the transcript line revealed
    detail_enc: Mapped[str | None] = mapped_column(Text)  # the reason or message, encrypted


agents: Final = cast(Table, AgentRow.__table__)
conversations: Final = cast(Table, ConversationRow.__table__)
lookups: Final = cast(Table, LookupRow.__table__)
events: Final = cast(Table, EventRow.__table__)
transcript: Final = cast(Table, TranscriptRow.__table__)
audit: Final = cast(Table, AuditRow.__table__)
