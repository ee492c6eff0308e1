"""The recorder: an engine observer that turns each turn into the support desk's rows -
the conversation (how to reach the person, encrypted), the keyed hashes of the numbers
it carries, an event for the funnel, and transcript lines as the person saw them, masked
and encrypted. Buffered and written in the background: a turn never waits for it, and a
database that is down costs records, never a reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from bot.accounts.model import AccountsUnavailable
from bot.accounts.repository import normalise_identity
from bot.background import every
from bot.engine.messages import Action, Reply
from bot.engine.records import Said, TurnRecord, Typed
from bot.i18n import Audience, Msg, Personal, PersonalKind, Translator, to_ascii
from bot.keys import SecretKeys
from bot.state.keys import KeyBuilder
from bot.support.funnel import stage_of
from bot.support.masking import mask_message, mask_value, mask_words, person_label, scrub
from bot.support.store import Batch, SupportStore

log = logging.getLogger("regbot.support")

BUFFER_LIMIT: Final = 20_000  # the database down for long: drop records, never grow
VARIANTS: Final = {"ussd": "ussd"}  # a channel whose people read the catalogs' short forms
AGENT_OUTCOMES: Final = ("take_over", "hand_back", "reset")
AGENT_MESSAGE: Final = "help.agent_message"  # `bot.engine.desk`'s note of an agent's message


class Recorder:
    """`observe` is the engine observer; `running()` flushes while the app runs."""

    def __init__(
        self,
        store: SupportStore,
        translator: Translator,
        keys: SecretKeys,
        *,
        flush_every: float = 0.3,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._translator = translator
        self._keys = keys
        self._lookup = KeyBuilder(keys.tokens).lookup
        self._flush_every = flush_every
        self._clock = clock
        self._buffer: list[tuple[datetime, TurnRecord]] = []
        self._idle = asyncio.Event()
        self._idle.set()
        self._writing = asyncio.Lock()  # one flush at a time: settle waits for one under way

    def observe(self, record: TurnRecord) -> None:
        if record.said is None or not record.person:
            return
        if len(self._buffer) < BUFFER_LIMIT:
            self._buffer.append((self._clock(), record))
            self._idle.clear()

    async def flush(self) -> bool:
        """Write what was observed; False when the database did not answer (the records
        wait for the next flush, up to BUFFER_LIMIT). Flushes take turns, so a flush - and
        `settle` - returns only once what was observed before it is written, even when a
        periodic flush had already taken it."""
        async with self._writing:
            return await self._flush()

    async def _flush(self) -> bool:
        pending, self._buffer = self._buffer, []
        written = True
        if pending:
            batch = Batch()
            for at, record in pending:
                try:
                    self._add(batch, at, record)
                except Exception:  # one odd record must not cost the others
                    log.exception("a turn could not be recorded")
            try:
                await self._store.write(batch)
            except (AccountsUnavailable, OSError) as exc:
                written = False
                room = max(0, BUFFER_LIMIT - len(self._buffer))
                self._buffer[:0] = pending[:room]
                log.warning(
                    "conversation records wait (%s): %d", type(exc).__name__, len(self._buffer)
                )
        if not self._buffer:
            self._idle.set()
        return written

    async def settle(self) -> None:
        """Wait until what was observed so far is written (tests, the console's own acts);
        gives up when the database does not answer."""
        while not self._idle.is_set():
            if not await self.flush():
                return

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Write in the background while the app runs, and what is left at the end."""
        return every(self._flush_every, self.flush)

    # -- one record -> rows ----------------------------------------------------------------

    def _add(self, batch: Batch, at: datetime, record: TurnRecord) -> None:
        said = record.said
        assert said is not None
        key = record.person
        label = person_label(said.personal, said.user_id)
        previous = batch.conversations.get(key)
        batch.conversations[key] = {
            "key": key,
            "channel": record.channel,
            "user_enc": previous["user_enc"] if previous else self._keys.encrypt(said.user_id),
            "label": label if previous is None or label.startswith("+") else previous["label"],
            "kind": record.kind,
            "method": record.method,
            "started_at": previous["started_at"] if previous else at,
            "last_at": at,
        }
        for value in said.personal:
            lookup = self._lookup_of(value)
            if lookup:
                batch.lookups[(lookup, key)] = at
        batch.events.append(
            {
                "key": key,
                "at": at,
                "channel": record.channel,
                "kind": record.kind,
                "method": record.method,
                "step_before": record.step_before,
                "step": record.step_after,
                "outcome": record.outcome,
                "failed": record.failed,
                "stage": int(stage_of(record.step_after, record.method)),
                "ended": record.ended,
            }
        )
        for line in self._lines(record, said):
            batch.lines.append({"key": key, "at": at, "step": record.step_before, **line})

    def _lookup_of(self, value: Personal) -> str | None:
        if value.kind is PersonalKind.PHONE and value.value.startswith("+"):
            return self._lookup("phone", value.value)
        if value.kind is PersonalKind.ID:
            return self._lookup("id", normalise_identity(value.value))
        return None

    def _lines(self, record: TurnRecord, said: Said) -> list[dict[str, Any]]:
        encrypt = self._keys.encrypt
        lines: list[dict[str, Any]] = []
        if record.outcome == "agent_message":
            text = mask_message(said.agent_text, said.personal)
            lines.append(_line("agent", encrypt(text), "text", agent=said.agent))
        elif record.outcome in AGENT_OUTCOMES:
            lines.append(_line("note", encrypt(""), record.outcome, agent=said.agent))
        if said.typed is not None:
            lines.append(self._typed_line(said.typed, said, record.channel))
        if said.shown is not None and said.shown.texts:
            shown = self._screen(said.shown, record.channel, said)
            lines.append(_line("bot", encrypt(shown), "text"))
        return lines

    def _typed_line(self, typed: Typed, said: Said, channel: str) -> dict[str, Any]:
        encrypt = self._keys.encrypt
        if typed.secret:
            return _line("person", encrypt(""), "secret")
        if typed.action not in (Action.TEXT, Action.CHOOSE):
            return _line("person", encrypt(typed.action), "action")
        text = typed.text or ""
        if typed.to_agent:
            return _line("person", encrypt(mask_words(text, chat=True)), "chat")
        if typed.choice is not None:
            label = self._render(typed.choice, said, channel)
            shown = f"{text.strip()} → {label}" if text.strip() else label
            return _line("person", encrypt(shown), "choice")
        if typed.kind is not None:
            kind = PersonalKind(typed.kind)
            masked = mask_value(text, kind)
            return _line("person", encrypt(masked), kind.value, value_enc=encrypt(text.strip()))
        return _line("person", encrypt(mask_words(text)), "text")

    def _screen(self, reply: Reply, channel: str, said: Said) -> str:
        texts = [self._render(text, said, channel) for text in reply.texts]
        texts += [
            f"{n}. {self._render(o.label, said, channel)}"
            for n, o in enumerate(reply.options, start=1)
        ]
        return "\n".join(texts)

    def _render(self, message: Any, said: Said, channel: str) -> str:
        variant = VARIANTS.get(channel)
        if isinstance(message, Msg) and message.key == AGENT_MESSAGE:
            # an agent's message, shown on the person's next screen (USSD): kept as the
            # agent's own line is
            text = mask_message(str(message.params.get("text", "")), said.personal)
            message = Msg(message.key, {**message.params, "text": text})
        shown = self._translator.render(message, said.lang, variant, Audience.RECORD)
        shown = scrub(shown, said.personal)
        return to_ascii(shown) if variant else shown


def _line(
    role: str, text_enc: str, kind: str, *, agent: str = "", value_enc: str | None = None
) -> dict[str, Any]:
    return {
        "role": role,
        "text_enc": text_enc,
        "kind": kind,
        "agent": agent,
        "value_enc": value_enc,
    }
