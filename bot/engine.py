"""The dialog engine: one turn = load the session, apply the input to its step, save.

Dialog modules declare steps (`bot.dialogs.spec`); the engine builds one `transitions`
machine over all of them at start-up and moves a light per-turn cursor through it.
The engine knows no channel, and no dialog knows the store.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from transitions import Machine, MachineError

from bot.accounts.model import AccountsUnavailable
from bot.dialogs.spec import KEEP, OK, SKIP, STAY, Dialog, Invalid, Step, StepContext
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Msg, msg
from bot.messages import Action, Inbound, Reply
from bot.services import Services
from bot.state.session import DialogSession, SessionCodec, SessionKey, UnreadableSession
from bot.state.store import Held, StateStore, StoreUnavailable
from bot.step_view import choice_act, choices_of, match_choice, screen
from integrations.errors import IntegrationRejected, IntegrationUnavailable

log = logging.getLogger("regbot.engine")

MAX_INPUT_CHARS: Final = 1000
START_STEP: Final = "start.who"
SECRET_CONSUMED: Final = "secret_consumed"  # Reply hint: the input was a password or OTP
# Dialog data that says nothing about a person: the choices of the first screens. Anything
# else (what was typed, a verified code, a signature) is theirs alone.
ANONYMOUS_DATA: Final = frozenset({"kind", "account_kind"})
# a 4xx from an external system is not the person's fault either: "try again later"
TRY_AGAIN_ERRORS: Final = (
    IntegrationUnavailable,
    IntegrationRejected,
    AccountsUnavailable,
    StoreUnavailable,
)


class _Cursor:
    """The model the shared machine moves. One per engine: `_advance` never awaits, so
    turns cannot interleave inside it; the session, not the cursor, holds the step."""

    state: str


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What a turn did, without personal data: for logs, metrics and the dashboard."""

    channel: str
    step_before: str
    step_after: str
    outcome: str
    seconds: float
    person: str = ""  # the session key: a keyed hash, never the user id itself
    ended: bool = False


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A person's dialog left half done: where, and whether it holds anything of theirs."""

    step: str
    personal: bool  # typed or proved data: show it only to whoever proves to be them


class DialogEngine:
    def __init__(
        self,
        dialogs: Sequence[Dialog],
        services: Services,
        store: StateStore,
        codec: SessionCodec,
        *,
        ttl_seconds: int = 15 * 60,
        observers: Sequence[Any] = (),
    ) -> None:
        self.services = services
        self._store = store
        self._codec = codec
        self._ttl = ttl_seconds
        self._observers = list(observers)
        self.steps: dict[str, Step] = {}
        for dialog in dialogs:
            for step in dialog.steps:
                if step.name in self.steps:
                    raise ValueError(f"step {step.name} declared twice")
                self.steps[step.name] = step
        if START_STEP not in self.steps:
            raise ValueError(f"no {START_STEP} step")
        transitions = [
            {"trigger": trigger, "source": str(step.name), "dest": str(dest)}
            for step in self.steps.values()
            for trigger, dest in step.next.items()
        ]
        self._machine = Machine(
            model=None,
            # plain strings: `transitions` names Enum states by member name, and two
            # dialogs' StrEnums both have e.g. FULL_NAME
            states=[str(name) for name in self.steps],
            transitions=transitions,
            initial=START_STEP,
            auto_transitions=False,
        )
        graph = sorted(
            (s.name, s.field or "", tuple(sorted(s.next.items())), s.sensitive)
            for s in self.steps.values()
        )
        self._cursor = _Cursor()
        self._machine.add_model(self._cursor, initial=START_STEP)
        self.spec_version = hashlib.sha256(repr(graph).encode()).hexdigest()[:16]

    def add_observer(self, observer: Any) -> None:
        """`observer(record: TurnRecord)` is called after every turn (metrics, logs)."""
        self._observers.append(observer)

    # -- public surface -------------------------------------------------------------

    def session_key(self, channel: str, user_id: str) -> str:
        """Where a person's dialog is stored (and what their lock is named after): the user
        id - a phone number on USSD - only as a keyed hash, never in clear in a key."""
        person = str(SessionKey(channel, user_id))
        return f"{channel}:{self.services.keys.token_for('session ' + person)[:32]}"

    async def handle(self, inbound: Inbound, held: Held | None = None) -> Reply:
        """Run one turn for one person; turns of the same person never interleave.

        A channel that already holds the person's keys (USSD reads its own state in the
        same round trip) passes its `held`; otherwise the engine holds the session key.
        """
        started = time.perf_counter()
        key = self.session_key(inbound.channel, inbound.user_id)
        try:
            if held is not None:
                reply, before = await self._turn(held, key, inbound)
            else:
                async with self._store.hold([key]) as own:
                    reply, before = await self._turn(own, key, inbound)
        except StoreUnavailable:
            log.warning("state store unavailable", extra={"channel": inbound.channel})
            reply = self._unanswered(inbound, "engine.try_again_later")
            before = ""
        except Exception:  # never a crash or a 500: nothing of this turn was saved
            log.exception("turn failed on %s", inbound.channel)
            reply = self._unanswered(inbound, "engine.internal_error")
            before = ""
        record = TurnRecord(
            inbound.channel,
            before,
            reply.step,
            inbound.action.value,
            time.perf_counter() - started,
            person=key,
            ended=reply.end,
        )
        for observer in self._observers:
            try:
                observer(record)
            except Exception:  # metrics or a log line must not cost the person a reply
                log.exception("turn observer failed")
        return reply

    @staticmethod
    def _unanswered(inbound: Inbound, key: str) -> Reply:
        """A turn that could not run. The step is unknown, so what was typed is treated as
        a possible secret: channels that can delete it do."""
        return Reply(
            texts=(msg(key),),
            lang=inbound.lang or DEFAULT_LANGUAGE,
            hints=frozenset({SECRET_CONSUMED}),
        )

    async def unfinished(
        self, channel: str, user_id: str, held: Held | None = None
    ) -> Unfinished | None:
        """A person's unfinished dialog, if any (USSD offers to resume it)."""
        key = self.session_key(channel, user_id)
        blob = held.get(key) if held is not None else await self._store.load(key)
        if blob is None:
            return None
        try:
            session = self._codec.loads(blob)
        except UnreadableSession:
            return None
        if session.step == START_STEP or session.spec_version != self.spec_version:
            return None
        personal = any(
            value is not None for k, value in session.data.items() if k not in ANONYMOUS_DATA
        )
        return Unfinished(session.step, personal)

    async def unfinished_step(
        self, channel: str, user_id: str, held: Held | None = None
    ) -> str | None:
        """The step of a person's unfinished dialog, if any (where signing events go)."""
        unfinished = await self.unfinished(channel, user_id, held)
        return unfinished.step if unfinished is not None else None

    # -- one turn ---------------------------------------------------------------------

    async def _turn(self, held: Held, key: str, inbound: Inbound) -> tuple[Reply, str]:
        notice: Msg | None = None
        session: DialogSession | None = None
        blob = held.get(key)
        if blob is not None:
            try:
                session = self._codec.loads(blob)
            except UnreadableSession:
                notice = msg("engine.state_unreadable")
            else:
                if session.spec_version != self.spec_version or session.step not in self.steps:
                    session, notice = None, msg("engine.dialog_changed")
        fresh = session is None
        if session is None:
            lang = inbound.lang if inbound.lang in LANGUAGES else DEFAULT_LANGUAGE
            session = DialogSession(
                step=START_STEP, lang=lang or DEFAULT_LANGUAGE, spec_version=self.spec_version
            )
        before = session.step
        ctx = StepContext(
            data=session.data,
            services=self.services,
            lang=session.lang,
            channel=inbound.channel,
            user_id=inbound.user_id,
            now=self.services.clock(),
            caller=inbound.caller,
        )
        if fresh and inbound.action not in (Action.CANCEL, Action.LANGUAGE):
            reply = self._show(session, ctx, notice)
        else:
            reply = await self._apply(session, ctx, inbound)
        session.turn += 1
        if reply.end:
            held.drop(key)
        else:
            held.put(key, self._codec.dumps(session), self._ttl)
        return reply, before

    async def _apply(self, session: DialogSession, ctx: StepContext, inbound: Inbound) -> Reply:
        action = inbound.action
        step = self.steps[session.step]
        if action is Action.CANCEL:
            session.data.clear()
            return Reply(
                texts=(msg("engine.cancelled"),), lang=session.lang, step=step.name, end=True
            )
        if action is Action.HOME:
            self._restart(session)
            return self._show(session, ctx, None)
        if action is Action.HELP:
            return self._show(session, ctx, step.help)
        if action is Action.BACK:
            if not session.history:
                return self._show(session, ctx, msg("engine.cannot_go_back"))
            session.step = session.history.pop()
            return self._show(session, ctx, None)
        if action is Action.LANGUAGE:
            if inbound.text in LANGUAGES:
                session.lang = ctx.lang = inbound.text
            return self._show(session, ctx, None)
        if action is Action.SHOW:
            return self._show(session, ctx, None)
        reply = await self._answer(session, ctx, step, inbound)
        if step.sensitive:  # tell channels that can, to delete the typed secret
            reply = replace(reply, hints=reply.hints | {SECRET_CONSUMED})
        return reply

    async def _answer(
        self, session: DialogSession, ctx: StepContext, step: Step, inbound: Inbound
    ) -> Reply:
        if len(inbound.text) > MAX_INPUT_CHARS:
            return self._show(session, ctx, msg("engine.too_long", limit=MAX_INPUT_CHARS))
        text = inbound.text if step.sensitive else inbound.text.strip()
        choices = choices_of(step, ctx)
        chosen = match_choice(choices, inbound, text, has_parser=step.parse is not None)
        if chosen is None and not text and inbound.action is Action.TEXT:
            # nothing typed where "skip" is offered (an optional step, or one that makes
            # itself optional, as the email of a citizen's signature registration): skipped
            chosen = next((c for c in choices if c.key == SKIP), None)
        value: Any = None
        if chosen is not None:
            if chosen.key == KEEP and step.field:
                value = ctx.data.get(step.field)
            elif chosen.key == SKIP and step.field:
                ctx.data[step.field] = None
        elif step.parse is not None:
            try:
                value = step.parse(text, ctx)
            except Invalid as refused:
                return self._show(session, ctx, refused.message)
            except Exception:  # a parser bug must not crash the turn or lose the dialog
                log.exception("parser failed at %s", step.name)
                return self._show(session, ctx, msg("engine.internal_error"))
            if step.field:
                ctx.data[step.field] = value
        else:
            return self._show(session, ctx, msg("engine.choose_a_number", count=len(choices)))

        trigger = chosen.key if chosen is not None and chosen.key not in (KEEP, SKIP) else OK
        notice: Msg | None = None
        act = choice_act(step, chosen) if chosen is not None else step.act
        if act is not None:
            try:
                outcome = await act(ctx, value)
            except TRY_AGAIN_ERRORS as exc:  # the type and the system only: no personal data
                log.warning(
                    "%s at %s (%s)", type(exc).__name__, step.name, getattr(exc, "system", "-")
                )
                return self._show(session, ctx, msg("engine.try_again_later"))
            except Exception:  # a bug must not lose what the person typed
                log.exception("action failed at %s", step.name)
                return self._show(session, ctx, msg("engine.internal_error"))
            trigger, notice = outcome.trigger, outcome.notice
            session.lang = ctx.lang
        if trigger == STAY:
            return self._show(session, ctx, notice)
        try:
            dest = self._advance(step.name, trigger)
        except (MachineError, AttributeError, ValueError):
            log.error("no transition %s from %s", trigger, step.name)
            return self._show(session, ctx, msg("engine.internal_error"))
        if dest != step.name:
            if self.steps[dest].checkpoint:
                session.history.clear()
            elif dest == START_STEP:
                self._restart(session)
            else:
                session.history.append(step.name)
        session.step = dest
        return self._show(session, ctx, notice)

    # -- helpers ----------------------------------------------------------------------

    def _advance(self, source: str, trigger: str) -> str:
        self._machine.set_state(str(source), model=self._cursor)
        self._cursor.trigger(trigger)  # type: ignore[attr-defined]
        return self._cursor.state

    def _restart(self, session: DialogSession) -> None:
        session.data.clear()
        session.history.clear()
        session.step = START_STEP

    def _show(self, session: DialogSession, ctx: StepContext, notice: Msg | None) -> Reply:
        return screen(self.steps[session.step], session, ctx, notice)
