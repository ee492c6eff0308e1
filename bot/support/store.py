"""The support desk's tables through SQLAlchemy: what the recorder writes in batches,
what the console reads (conversations, transcripts, the funnel, the audit log), and the
purge of what is past retention. Text is decrypted here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.repository import transaction
from bot.accounts.support_tables import audit, conversations, events, lookups, transcript
from bot.keys import SecretKeys
from bot.support.funnel import Reached

RETENTION_DAYS: Final = 30
AUDIT_RETENTION_DAYS: Final = 365
SHOWN_LINES: Final = 500


@dataclass(frozen=True, slots=True)
class ConversationRef:
    key: str
    channel: str
    user_id: str  # decrypted: only to reach the person through their channel
    label: str
    kind: str
    method: str
    started_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    at: datetime
    role: str
    step: str
    agent: str
    text: str  # masked (decrypted from text_enc)
    kind: str | None
    revealable: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    agent: str
    action: str
    key: str | None
    target: str | None
    detail: str | None


@dataclass(slots=True)
class Batch:
    """Rows to write together: conversations by key (the latest wins), lookups, events
    and transcript lines (values already masked and encrypted)."""

    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookups: dict[tuple[str, str], datetime] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.conversations or self.events or self.lines)


class SupportStore:
    def __init__(self, engine: AsyncEngine, keys: SecretKeys) -> None:
        self._engine = engine
        self._keys = keys
        # built once: SQLAlchemy derived the `excluded` columns anew at every flush
        self._upsert_conversation, self._upsert_lookup = _upserts(engine.dialect.name)

    async def write(self, batch: Batch) -> None:
        """One transaction. Raises AccountsUnavailable."""
        async with transaction(self._engine) as connection:
            if batch.conversations:
                await connection.execute(
                    self._upsert_conversation, list(batch.conversations.values())
                )
            if batch.lookups:
                await connection.execute(
                    self._upsert_lookup,
                    [{"lookup": lk, "key": k, "at": at} for (lk, k), at in batch.lookups.items()],
                )
            if batch.events:
                await connection.execute(events.insert(), batch.events)
            if batch.lines:
                await connection.execute(transcript.insert(), batch.lines)

    # -- reading -----------------------------------------------------------------------

    async def conversation(self, key: str) -> ConversationRef | None:
        async with transaction(self._engine) as connection:
            row = (
                await connection.execute(select(conversations).where(conversations.c.key == key))
            ).first()
        return self._ref(row) if row else None

    async def find(self, keys: Sequence[str], hashes: Sequence[str]) -> list[ConversationRef]:
        """Conversations by their key, or by the keyed hash of a number they carried;
        the most recent first."""
        carried = select(lookups.c.key).where(lookups.c.lookup.in_(list(hashes)))
        query = (
            select(conversations)
            .where(or_(conversations.c.key.in_(list(keys)), conversations.c.key.in_(carried)))
            .order_by(conversations.c.last_at.desc())
            .limit(50)
        )
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(query)).all()
        return [self._ref(row) for row in rows]

    async def lines(self, key: str, limit: int = SHOWN_LINES) -> list[Line]:
        """The newest `limit` lines of a transcript, oldest first."""
        query = (
            select(transcript)
            .where(transcript.c.key == key)
            .order_by(transcript.c.at.desc(), transcript.c.id.desc())
            .limit(limit)
        )
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(query)).all()
        decrypt = self._keys.decrypt
        return [
            Line(
                id=int(row.id),
                at=row.at,
                role=row.role,
                step=row.step,
                agent=row.agent,
                text=decrypt(row.text_enc),
                kind=row.kind,
                revealable=row.value_enc is not None,
            )
            for row in reversed(rows)
        ]

    async def typed_value(self, key: str, line_id: int) -> tuple[str, str] | None:
        """The clear value of a typed line and its kind (a supervisor's audited reveal)."""
        query = select(transcript.c.value_enc, transcript.c.kind).where(
            transcript.c.key == key, transcript.c.id == line_id
        )
        async with transaction(self._engine) as connection:
            row = (await connection.execute(query)).first()
        if row is None or row.value_enc is None:
            return None
        return self._keys.decrypt(row.value_enc), row.kind or ""

    async def reached(self, since: datetime) -> list[Reached]:
        """How far each conversation went with each method since `since` (the funnel)."""
        query = (
            select(events.c.key, events.c.channel, events.c.method, func.max(events.c.stage))
            .where(events.c.at >= since)
            .group_by(events.c.key, events.c.channel, events.c.method)
        )
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(query)).all()
        return [Reached(key, channel, method, int(stage)) for key, channel, method, stage in rows]

    # -- the audit log -------------------------------------------------------------------

    async def audit(
        self,
        at: datetime,
        agent: str,
        action: str,
        key: str | None = None,
        target: str | None = None,
        detail: str | None = None,
    ) -> None:
        values = {
            "at": at,
            "agent": agent,
            "action": action,
            "key": key,
            "target": target,
            "detail_enc": self._keys.encrypt(detail) if detail else None,
        }
        async with transaction(self._engine) as connection:
            await connection.execute(audit.insert().values(**values))

    async def audit_log(self, limit: int = 200, key: str | None = None) -> list[AuditEntry]:
        query = select(audit).order_by(audit.c.at.desc(), audit.c.id.desc()).limit(limit)
        if key is not None:
            query = query.where(audit.c.key == key)
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(query)).all()
        return [
            AuditEntry(
                int(r.id),
                r.at,
                r.agent,
                r.action,
                r.key,
                r.target,
                self._keys.decrypt(r.detail_enc) if r.detail_enc else None,
            )
            for r in rows
        ]

    # -- retention -----------------------------------------------------------------------

    async def purge(
        self, now: datetime, days: int = RETENTION_DAYS, audit_days: int = AUDIT_RETENTION_DAYS
    ) -> dict[str, int]:
        """Delete what is older than retention; the number of rows deleted per table."""
        cutoff, audit_cutoff = now - timedelta(days=days), now - timedelta(days=audit_days)
        statements = {
            "transcript_lines": delete(transcript).where(transcript.c.at < cutoff),
            "conversation_events": delete(events).where(events.c.at < cutoff),
            "conversation_lookups": delete(lookups).where(lookups.c.at < cutoff),
            "conversations": delete(conversations).where(conversations.c.last_at < cutoff),
            "audit_log": delete(audit).where(audit.c.at < audit_cutoff),
        }
        deleted = {}
        async with transaction(self._engine) as connection:
            for table, statement in statements.items():
                deleted[table] = (await connection.execute(statement)).rowcount or 0
        return deleted

    def _ref(self, row: Any) -> ConversationRef:
        return ConversationRef(
            key=row.key,
            channel=row.channel,
            user_id=self._keys.decrypt(row.user_enc),
            label=row.label,
            kind=row.kind,
            method=row.method,
            started_at=row.started_at,
            last_at=row.last_at,
        )


def _upserts(dialect_name: str) -> tuple[Any, Any]:
    """A conversation's row (the latest turn wins, a phone's label is kept) and the keyed
    hashes of the numbers it carried."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    upsert = dialect.insert(conversations)
    new = upsert.excluded
    conversation = upsert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "last_at": new.last_at,
            "kind": case((new.kind != "", new.kind), else_=conversations.c.kind),
            "method": case((new.method != "", new.method), else_=conversations.c.method),
            # a label from a phone is kept over one from a chat id
            "label": case((new.label.like("+%"), new.label), else_=conversations.c.label),
        },
    )
    upsert = dialect.insert(lookups)
    lookup = upsert.on_conflict_do_update(
        index_elements=["lookup", "key"], set_={"at": upsert.excluded.at}
    )
    return conversation, lookup
