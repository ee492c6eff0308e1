"""The dialog engine: the graph of every dialog, and the way in for channels - a whole turn
(`handle`), the person's conversation opened for a channel that keeps its own slot in
the same record (`conversation`, USSD), a resume event from outside a turn (`resume`),
an agent's help (`intervene`).

Dialog modules declare steps (`bot.engine.spec`); `DialogGraph` knows where each exit
leads; a turn runs in `bot.engine.turn`. The engine knows no channel, and no dialog knows
the store.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from bot.engine.graph import DialogGraph
from bot.engine.messages import AgentEvent, Inbound, Reply, Resume
from bot.engine.records import TurnRecord
from bot.engine.spec import Dialog
from bot.engine.turn import Conversation, Unfinished, unanswered
from bot.i18n import Msg, msg
from bot.state.keys import KeyBuilder, StateKey
from bot.state.session import ConversationRecord, RecordCodec, UnreadableSession
from bot.state.store import StateStore, StoreUnavailable

log = logging.getLogger("regbot.engine")

Observer = Callable[[TurnRecord], None]
__all__ = ["Conversation", "DialogEngine", "Observer", "TurnRecord", "Unfinished"]


class DialogEngine:
    def __init__(
        self,
        dialogs: Sequence[Dialog],
        store: StateStore,
        codec: RecordCodec,
        keys: KeyBuilder,
        *,
        clock: Callable[[], datetime],
        ttl_seconds: int = 15 * 60,
        observers: Sequence[Observer] = (),
    ) -> None:
        self.graph = DialogGraph(dialogs)  # GraphError: a broken graph does not start
        self.clock = clock
        self.steps = self.graph.steps
        self.spec_version = self.graph.version
        self._store = store
        self._codec = codec
        self._keys = keys
        self._ttl = ttl_seconds
        self._observers = list(observers)

    def add_observer(self, observer: Observer) -> None:
        """`observer(record)` is called after every turn (metrics, logs, events)."""
        self._observers.append(observer)

    def session_key(self, channel: str, user_id: str) -> str:
        """The store key of a person's conversation (`bot.state.keys`)."""
        return self._keys.conversation(StateKey(channel, user_id))

    # -- public surface -------------------------------------------------------------

    @asynccontextmanager
    async def conversation(self, channel: str, user_id: str) -> AsyncIterator[Conversation]:
        """The person's conversation under their lock: read once, written once on a clean
        exit (an exception discards what changed). Raises StoreUnavailable."""
        key = self.session_key(channel, user_id)
        async with self._store.hold([key]) as held:
            blob = held.get(key)
            convo = Conversation(self, channel, user_id, key, blob)
            yield convo
            record = convo.record
            if record.empty:
                if blob is not None:
                    held.drop(key)
            else:
                held.put(key, self._codec.dumps(record), self._ttl)

    async def handle(self, inbound: Inbound) -> Reply:
        """Run one turn for one person; turns of the same person never interleave."""
        try:
            async with self.conversation(inbound.channel, inbound.user_id) as convo:
                return await convo.turn(inbound)
        except StoreUnavailable:
            log.warning("state store unavailable", extra={"channel": inbound.channel})
            return unanswered(inbound.lang, "engine.try_again_later")

    async def resume(self, event: Resume) -> Reply | None:
        """Something that happened outside the person's turn (a signature arrived): run
        the waiting step's `on_resume` if the person is still at `event.at_step`.

        None when there is nothing to continue (they moved on, or left)."""
        async with self.conversation(event.channel, event.user_id) as convo:
            return await convo.resume(event)

    async def intervene(self, event: AgentEvent, *, can_push: bool) -> Reply | None:
        """A support agent's event (`bot.engine.desk`): the reply to push now, or None
        when the channel cannot push and the person sees it on their next screen.
        Raises StoreUnavailable."""
        async with self.conversation(event.channel, event.user_id) as convo:
            return convo.intervene(event, can_push=can_push)

    # -- shared by conversations -----------------------------------------------------

    def notify(self, record: TurnRecord) -> None:
        for observer in self._observers:
            try:
                observer(record)
            except Exception:  # metrics or a log line must not cost the person a reply
                log.exception("turn observer failed")

    def decode(self, blob: bytes | None) -> tuple[ConversationRecord, Msg | None]:
        """The stored record, or a fresh one and why the old one could not be used."""
        if blob is None:
            return ConversationRecord(), None
        try:
            record = self._codec.loads(blob)
        except UnreadableSession:
            return ConversationRecord(), msg("engine.state_unreadable")
        dialog = record.dialog
        if dialog is not None and (
            dialog.spec_version != self.spec_version or dialog.step not in self.steps
        ):
            record.dialog = None
            return record, msg("engine.dialog_changed")
        return record, None

    def now(self) -> datetime:
        return self.clock()
