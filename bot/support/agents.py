"""Support agents' accounts: argon2id passwords under the citizens' password rules, two
roles, and a lockout - 5 failed sign-ins lock the account for 15 minutes."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import and_, case, insert, literal, null, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.repository import transaction
from bot.accounts.support_tables import agents
from bot.passwords import Hashing, HashingBusy
from bot.validation import check_password

LOCK_AFTER: Final = 5
LOCK_FOR: Final = timedelta(minutes=15)
NAME: Final = re.compile(r"[A-Za-z0-9._-]{2,64}")


class Role(StrEnum):
    AGENT = "agent"  # watches, finds, reads masked transcripts, helps
    SUPERVISOR = "supervisor"  # and reveals a field with a reason, reads the audit log


class SignIn(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name, disabled, or wrong password: said alike
    LOCKED = "locked"  # this failure locked the account
    STILL_LOCKED = "still_locked"  # tried while locked: not even checked


class AgentExists(Exception):
    pass


class BadAgentName(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    name: str
    role: Role
    disabled: bool
    locked_until: datetime | None
    session_epoch: int = 0  # a session signed in at another epoch is over

    @property
    def supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


class SqlAgents:
    def __init__(
        self,
        engine: AsyncEngine,
        hashing: Hashing,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._hashing = hashing
        self._clock = clock
        self._decoy: str | None = None
        self._decoy_made = asyncio.Lock()  # a burst of unknown names makes it once

    async def add(self, name: str, role: Role, password: str) -> Agent:
        """Raises BadAgentName, Invalid (the password rules), AgentExists."""
        if not NAME.fullmatch(name):
            raise BadAgentName(name)
        password = check_password(password)  # in NFC, as sign-ins compare it
        values = {
            "name": name,
            "role": str(role),
            "password_hash": await self._hashing.hash(password),
            "disabled": False,
            "failures": 0,
            "locked_until": None,
            "created_at": self._clock(),
            "session_epoch": 0,
        }
        try:
            async with transaction(self._engine) as connection:
                result = await connection.execute(
                    insert(agents).values(**values).returning(agents.c.id)
                )
                agent_id = int(result.scalar_one())
        except IntegrityError:
            raise AgentExists(name) from None
        return Agent(agent_id, name, role, False, None)

    async def disable(self, name: str) -> bool:
        async with transaction(self._engine) as connection:
            result = await connection.execute(
                update(agents).where(agents.c.name == name).values(disabled=True)
            )
        return bool(result.rowcount)

    async def all(self) -> list[Agent]:
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(select(agents).order_by(agents.c.name))).all()
        return [_agent(row) for row in rows]

    async def get(self, agent_id: int) -> Agent | None:
        async with transaction(self._engine) as connection:
            row = (await connection.execute(select(agents).where(agents.c.id == agent_id))).first()
        return _agent(row) if row else None

    async def end_sessions(self, agent_id: int) -> None:
        """End every session of the agent, on every device (signing out): the console
        refuses a session signed in at an older epoch."""
        async with transaction(self._engine) as connection:
            await connection.execute(
                update(agents)
                .where(agents.c.id == agent_id)
                .values(session_epoch=agents.c.session_epoch + 1)
            )

    async def sign_in(self, name: str, password: str) -> tuple[SignIn, Agent | None]:
        """Check a sign-in; the 5th failure in a row locks the account for 15 minutes.
        An unknown or disabled name costs the same hashing as a known one. Raises
        HashingBusy when the hashing pool is full (the attempt is not counted).

        Each check of a known name first reserves an attempt in the database, in one
        UPDATE (`_reserve`), and only then hashes: however many sign-ins run at once, on
        however many workers, at most LOCK_AFTER passwords are checked per lock period.
        Reading the row, hashing for tens of milliseconds and counting afterwards let 30
        parallel sign-ins all be checked while the account locked and relocked."""
        now = self._clock()
        password = unicodedata.normalize("NFC", password)
        async with transaction(self._engine) as connection:
            row = (await connection.execute(select(agents).where(agents.c.name == name))).first()
        if row is None or row.disabled:
            await self._hashing.verify(await self._decoy_hash(), password)
            return SignIn.WRONG, None
        agent = _agent(row)
        attempt = await self._reserve(agent.id, now)
        if attempt is None:
            return SignIn.STILL_LOCKED, agent
        last = attempt >= LOCK_AFTER  # this attempt holds the lock (see `_reserve`)
        try:
            right = await self._hashing.verify(row.password_hash, password)
        except HashingBusy:  # nothing was checked: the attempt is given back
            await self._release(agent.id, last)
            raise
        async with transaction(self._engine) as connection:
            if right:
                await connection.execute(
                    update(agents)
                    .where(agents.c.id == agent.id)
                    # a lock another attempt holds meanwhile stays; this one's is lifted
                    .where(true() if last else agents.c.locked_until.is_(None))
                    .values(failures=0, locked_until=None)
                )
                epoch = await connection.scalar(  # a sign-out meanwhile moved it on
                    select(agents.c.session_epoch).where(agents.c.id == agent.id)
                )
                return SignIn.OK, replace(agent, session_epoch=int(epoch or 0))
            if not last:
                return SignIn.WRONG, agent
            await connection.execute(
                update(agents)
                .where(agents.c.id == agent.id)
                .values(failures=0, locked_until=now + LOCK_FOR)
            )
        return SignIn.LOCKED, agent

    async def _reserve(self, agent_id: int, now: datetime) -> int | None:
        """Count an attempt before its password is checked: its number since the last
        success or lock (1..LOCK_AFTER), or None while the account is locked or
        LOCK_AFTER attempts are already under way.

        The attempt that reaches LOCK_AFTER also sets the lock at once; its check then
        keeps it (a wrong password) or lifts it (the right one). So a check that never
        ends (the worker died) leaves a lock that expires by itself rather than a count
        that refuses every sign-in for good. An expired lock starts the count again."""
        until = agents.c.locked_until
        expired = and_(until.is_not(None), until <= now)
        counted = case((expired, 0), else_=agents.c.failures) + 1
        locks_at = literal(now + LOCK_FOR, type_=until.type)
        async with transaction(self._engine) as connection:
            attempt = await connection.scalar(
                update(agents)
                .where(agents.c.id == agent_id)
                .where(or_(expired, and_(until.is_(None), agents.c.failures < LOCK_AFTER)))
                .values(
                    failures=counted,
                    locked_until=case((counted >= LOCK_AFTER, locks_at), else_=null()),
                )
                .returning(agents.c.failures)
            )
        return None if attempt is None else int(attempt)

    async def _release(self, agent_id: int, last: bool) -> None:
        """Give back an attempt whose password was never checked."""
        given_back: dict[str, Any] = {
            "failures": case((agents.c.failures > 0, agents.c.failures - 1), else_=0)
        }
        if last:
            given_back["locked_until"] = None
        async with transaction(self._engine) as connection:
            await connection.execute(
                update(agents).where(agents.c.id == agent_id).values(**given_back)
            )

    async def _decoy_hash(self) -> str:
        async with self._decoy_made:
            if self._decoy is None:
                self._decoy = await self._hashing.hash("decoy-Password#1")
        return self._decoy


def _agent(row: Any) -> Agent:
    return Agent(
        int(row.id),
        row.name,
        Role(row.role),
        bool(row.disabled),
        row.locked_until,
        int(row.session_epoch),
    )
