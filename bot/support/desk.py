"""What an agent does for a person, each step audited: find their conversation by the
number they give, write to them, take the conversation over and hand it back, restart
it, and (supervisors) reveal one typed value with a written reason.

The help itself is the engine's (`bot.engine.desk`): the desk turns an agent's click
into an `AgentEvent` for the person's channel and id (kept encrypted with the
conversation), and pushes the reply where the channel can push."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from bot.accounts.model import AccountsUnavailable
from bot.accounts.repository import normalise_identity
from bot.engine.engine import DialogEngine
from bot.engine.messages import AgentEvent, AgentMessage, HandBack, ResetConversation, TakeOver
from bot.engine.resumes import Pushes
from bot.state.keys import KeyBuilder, StateKey
from bot.state.store import StoreUnavailable
from bot.support.agents import Agent
from bot.support.masking import mask_message
from bot.support.records import Recorder
from bot.support.store import ConversationRef, SupportStore
from bot.validation import parse_phone
from bot.validation.refusal import Invalid

log = logging.getLogger("regbot.support.desk")

MESSAGE_LIMIT: Final = 1000
REASON_MINIMUM: Final = 10
PHONE_KEYED_CHANNELS: Final = ("ussd",)  # channels whose person is their phone number


class Delivered(StrEnum):
    PUSHED = "pushed"  # the person has it now
    NEXT_SCREEN = "next_screen"  # on their next screen (the channel cannot push)
    GONE = "gone"  # no conversation to reach
    TRY_AGAIN = "try_again"  # the state store or the database did not answer


class Desk:
    def __init__(
        self,
        engine: DialogEngine,
        pushes: Pushes,
        store: SupportStore,
        recorder: Recorder,
        keys: KeyBuilder,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._pushes = pushes
        self._store = store
        self._recorder = recorder
        self._keys = keys
        self._clock = clock

    @property
    def engine(self) -> DialogEngine:
        return self._engine

    def can_push(self, channel: str) -> bool:
        return self._pushes.can_push(channel)

    async def settle(self) -> None:
        """Wait until the turns seen so far are written (a page shows the latest)."""
        await self._recorder.settle()

    # -- finding a person ------------------------------------------------------------------

    def search_hashes(self, typed: str) -> tuple[list[str], list[str]] | None:
        """The conversation keys and lookup hashes a typed phone or ID number names;
        None when it is neither."""
        compact = "".join(ch for ch in typed if not ch.isspace() and ch not in ".-")
        keys, hashes = [], []
        try:
            phone = parse_phone(compact)
        except Invalid:
            phone = None
        if phone is not None:
            keys = [self._keys.conversation(StateKey(c, phone)) for c in PHONE_KEYED_CHANNELS]
            hashes.append(self._keys.lookup("phone", phone))
        identity = normalise_identity(compact)
        if len(identity) >= 8 and identity.isalnum():
            hashes.append(self._keys.lookup("id", identity))
        return (keys, hashes) if keys or hashes else None

    async def find(self, agent: Agent, typed: str) -> list[ConversationRef] | None:
        """The conversations a typed phone or ID number names (None: it is neither).
        Audited - that the agent searched and what came up, never the number."""
        named = self.search_hashes(typed)
        if named is None:
            return None
        await self._recorder.settle()
        found = await self._store.find(*named)
        key = found[0].key if len(found) == 1 else None
        await self._store.audit(self._clock(), agent.name, "search", key, target=str(len(found)))
        return found

    # -- helping -------------------------------------------------------------------------

    async def message(self, agent: Agent, key: str, text: str) -> Delivered:
        """The person gets the text whole; the audit log (kept a year) keeps it masked
        like the transcript's line (`mask_message`)."""
        text = text.strip()[:MESSAGE_LIMIT]
        return await self._act(
            agent,
            key,
            "message",
            lambda c, u: AgentMessage(c, u, agent.name, text),
            mask_message(text),
        )

    async def take_over(self, agent: Agent, key: str) -> Delivered:
        return await self._act(agent, key, "take_over", lambda c, u: TakeOver(c, u, agent.name))

    async def hand_back(self, agent: Agent, key: str) -> Delivered:
        return await self._act(agent, key, "hand_back", lambda c, u: HandBack(c, u, agent.name))

    async def reset(self, agent: Agent, key: str) -> Delivered:
        return await self._act(
            agent, key, "reset", lambda c, u: ResetConversation(c, u, agent.name)
        )

    async def _act(
        self,
        agent: Agent,
        key: str,
        action: str,
        event_for: Callable[[str, str], AgentEvent],
        detail: str | None = None,
    ) -> Delivered:
        try:
            conversation = await self._store.conversation(key)
            if conversation is None:
                return Delivered.GONE
            channel, user_id = conversation.channel, conversation.user_id
            can_push = self._pushes.can_push(channel)
            await self._store.audit(self._clock(), agent.name, action, key, detail=detail)
            reply = await self._engine.intervene(event_for(channel, user_id), can_push=can_push)
        except (StoreUnavailable, AccountsUnavailable):
            return Delivered.TRY_AGAIN
        if reply is not None:
            try:
                await self._pushes.push(channel, user_id, reply)
            except Exception:  # the channel's API failed: the agent is told to try again
                log.exception("an agent's %s could not be pushed on %s", action, channel)
                return Delivered.TRY_AGAIN
        await self._recorder.settle()
        return Delivered.PUSHED if can_push else Delivered.NEXT_SCREEN

    # -- supervisors -------------------------------------------------------------------

    async def reveal(self, agent: Agent, key: str, line_id: int, reason: str) -> str | None:
        """The clear value of one typed line, written to the audit log first; None when
        the agent may not, the reason is too short, or there is no such value."""
        reason = reason.strip()
        if not agent.supervisor or len(reason) < REASON_MINIMUM:
            return None
        typed = await self._store.typed_value(key, line_id)
        if typed is None:
            return None
        value, kind = typed
        await self._store.audit(
            self._clock(), agent.name, "reveal", key, target=f"{kind}:{line_id}", detail=reason
        )
        return value
