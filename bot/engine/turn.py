"""One turn of one person's conversation, the engine's unit of work: read the answer, run
the step's action under one error policy, advance; navigation (back, home, help, cancel)
on the side; what an agent does (a note, a take-over) through `bot.engine.desk`.

`DialogEngine.conversation` opens it under the person's lock and writes it back once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.engine.actions import run_act
from bot.engine.answer import Answer, Refusal, read_answer
from bot.engine.desk import apply_event, help_screen, pending_first, to_agent
from bot.engine.graph import START_STEP
from bot.engine.messages import SECRET_CONSUMED, Action, AgentEvent, Inbound, Reply, Resume
from bot.engine.navigation import navigate, restart
from bot.engine.records import Typed, record_of, typed_of
from bot.engine.spec import OK, STAY, Outcome, Step, StepContext
from bot.engine.view import screen
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Msg, msg
from bot.state.session import DialogSession
from bot.state.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.engine.engine import DialogEngine

log = logging.getLogger("regbot.engine")


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A person's dialog left half done: where, and whether it holds anything of theirs."""

    step: str
    personal: bool  # typed or proved data: show it only to whoever proves to be them


def unanswered(lang: str | None, key: str) -> Reply:
    """A turn that could not run. The step is unknown, so what was typed is treated as
    a possible secret: channels that can delete it do."""
    return Reply(
        texts=(msg(key),),
        lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE,
        hints=frozenset({SECRET_CONSUMED}),
    )


class Conversation:
    """One person's record while their lock is held: the unit of work of a turn."""

    def __init__(
        self, engine: DialogEngine, channel: str, user_id: str, key: str, blob: bytes | None
    ) -> None:
        self._engine = engine
        self.channel, self.user_id, self.key = channel, user_id, key
        self._blob = blob
        self.record, self._notice = engine.decode(blob)
        self.shown: DialogSession | None = self.record.dialog  # the dialog a reply showed
        self.failed = False  # this turn's answer was refused
        self.caller: str | None = None  # this turn's Inbound.caller
        self.vouched_phone: str | None = None  # this turn's Inbound.vouched_phone

    @property
    def engine(self) -> DialogEngine:
        return self._engine

    # -- channel slots and where the person is -----------------------------------------

    def slot(self, name: str) -> bytes | None:
        return self.record.slots.get(name)

    def set_slot(self, name: str, value: bytes | None) -> None:
        if value is None:
            self.record.slots.pop(name, None)
        else:
            self.record.slots[name] = value

    def unfinished_step(self) -> str | None:
        """The step of an unfinished dialog (past the first screen), if any."""
        unfinished = self.unfinished()
        return unfinished.step if unfinished is not None else None

    def unfinished(self) -> Unfinished | None:
        """An unfinished dialog (past the first screen), and whether it holds anything of
        the person's: what they typed, a code they proved, a signature."""
        dialog = self.record.dialog
        if dialog is None or dialog.step == START_STEP:
            return None
        return Unfinished(dialog.step, dialog.draft.personal)

    # -- turns ---------------------------------------------------------------------------

    async def turn(self, inbound: Inbound) -> Reply:
        """One input. Never raises but StoreUnavailable: a bug becomes "internal error"
        and nothing of this turn is kept."""
        started = time.perf_counter()
        before = self.record.dialog.step if self.record.dialog else ""
        saved = self.shown = self.record.dialog
        self.failed, self.caller = False, inbound.caller
        self.vouched_phone = inbound.vouched_phone
        typed = typed_of(self, inbound)
        if self.record.paused and inbound.action is not Action.CANCEL:
            reply = pending_first(self, to_agent(self, inbound))
            self.report(before, reply, "to_agent", started, typed)
            return reply
        if self.record.help is not None:  # cancelling ends the agent's take-over too
            self.record.help.paused = False
        try:
            reply = await self._turn(inbound)
        except StoreUnavailable:
            raise
        except Exception:
            log.exception("turn failed on %s", self.channel)
            self.record.dialog = self.shown = self._rollback(saved)
            reply, before = unanswered(inbound.lang, "engine.internal_error"), ""
        reply = pending_first(self, reply)
        self._track(before)
        self.report(before, reply, inbound.action.value, started, typed)
        return reply

    def intervene(self, event: AgentEvent, *, can_push: bool) -> Reply | None:
        started = time.perf_counter()
        self.shown, self.failed = self.record.dialog, False
        before = self.shown.step if self.shown else ""
        outcome, reply = apply_event(self, event, can_push=can_push)
        self.shown = self.record.dialog
        shown = reply or Reply(texts=(), lang=self.lang, step=self.step)
        self.report(before, shown, outcome, started, None, event)
        return reply

    def report(
        self,
        before: str,
        reply: Reply,
        outcome: str,
        started: float,
        typed: Typed | None,
        event: AgentEvent | None = None,
    ) -> None:
        """Tell the engine's observers what happened (`bot.engine.records`)."""
        seconds = time.perf_counter() - started
        self._engine.notify(record_of(self, before, reply, outcome, seconds, typed, event))

    @property
    def lang(self) -> str:
        dialog = self.record.dialog
        return dialog.lang if dialog else DEFAULT_LANGUAGE

    @property
    def step(self) -> str:
        dialog = self.record.dialog
        return dialog.step if dialog else ""

    def current_screen(self) -> Reply:
        """What the person is looking at: the step, or the agent's screen when paused."""
        dialog = self.record.dialog
        if self.record.paused or dialog is None:
            return help_screen(self)
        return self._show(dialog, self.context(dialog, None), None)

    def _track(self, before: str) -> None:
        """When the person reached their step, and how many answers it refused since."""
        dialog = self.record.dialog
        if dialog is None:
            return
        if dialog.step != before or not dialog.entered:
            dialog.entered = self._engine.now().timestamp()
            dialog.failures = 0
        elif self.failed:
            dialog.failures += 1

    async def resume(self, event: Resume) -> Reply | None:
        dialog = self.record.dialog
        if dialog is None or dialog.step != event.at_step or self.record.paused:
            return None  # paused: the person asks again once the agent hands back
        if self._engine.steps[dialog.step].on_resume is None:
            return None
        return await self.turn(Inbound(self.channel, self.user_id, action=Action.RESUME))

    # -- inside a turn ----------------------------------------------------------------

    async def _turn(self, inbound: Inbound) -> Reply:
        dialog = self.record.dialog
        fresh = dialog is None
        if dialog is None:
            lang = inbound.lang if inbound.lang in LANGUAGES else DEFAULT_LANGUAGE
            dialog = DialogSession(
                step=START_STEP,
                lang=lang or DEFAULT_LANGUAGE,
                spec_version=self._engine.spec_version,
            )
            self.record.dialog = dialog
        self.shown = dialog
        ctx = self.context(dialog, inbound)
        if fresh and inbound.action not in (Action.CANCEL, Action.LANGUAGE):
            reply = self._show(dialog, ctx, self._notice)
            if inbound.action is Action.TEXT:
                # the step it answered is unknown (expired, changed by a deploy, unreadable,
                # or none yet): it may be a password or a code, so channels that can delete it
                reply = replace(reply, hints=reply.hints | {SECRET_CONSUMED})
        else:
            reply = await self._apply(dialog, ctx, inbound)
        self._notice = None
        dialog.turn += 1
        if reply.end:
            self.record.dialog = None
        return reply

    async def _apply(self, dialog: DialogSession, ctx: StepContext, inbound: Inbound) -> Reply:
        step = self._engine.steps[dialog.step]
        reply = await self._answer(dialog, ctx, step, inbound)
        if step.sensitive:  # anything typed there may be the secret, a command-like one too:
            # tell channels that can, to delete it (navigation is read before the answer)
            reply = replace(reply, hints=reply.hints | {SECRET_CONSUMED})
        return reply

    async def _answer(
        self, dialog: DialogSession, ctx: StepContext, step: Step, inbound: Inbound
    ) -> Reply:
        """The reply to a navigation, a resume, or an answer to `step`."""
        navigated = navigate(dialog, step, ctx, inbound, self._show)
        if navigated is not None:
            return navigated
        if inbound.action is Action.RESUME:
            if step.on_resume is None:
                return self._show(dialog, ctx, None)
            return await self._run(dialog, ctx, step, Answer(OK, None, step.on_resume))
        try:
            answer = read_answer(step, ctx, inbound)
        except Exception:  # a parser bug must not crash the turn or lose the dialog
            log.exception("parser failed at %s", step.name)
            answer = Refusal(msg("engine.internal_error"))
        if isinstance(answer, Refusal):
            self.failed = True
            return self._show(dialog, ctx, answer.message)
        return await self._run(dialog, ctx, step, answer)

    async def _run(
        self, dialog: DialogSession, ctx: StepContext, step: Step, answer: Answer
    ) -> Reply:
        """The step's side effect under one error policy, then where its outcome leads."""
        outcome = Outcome(answer.exit)
        if answer.act is not None:
            ran = await run_act(answer.act, ctx, answer.value, step.name)
            if isinstance(ran, Refusal):
                self.failed = True
                return self._show(dialog, ctx, ran.message)
            outcome = ran
            dialog.lang = ctx.lang
        if outcome.exit == STAY:
            self.failed = answer.typed  # e.g. a wrong code; not a resend asked for
            return self._show(dialog, ctx, outcome.notice)
        dest = self._engine.graph.destination(step.name, outcome.exit)
        if dest is None:
            log.error("no transition %s from %s", outcome.exit, step.name)
            return self._show(dialog, ctx, msg("engine.internal_error"))
        self._advance(dialog, step.name, dest)
        return self._show(dialog, ctx, outcome.notice)

    def _advance(self, dialog: DialogSession, source: str, dest: str) -> None:
        dialog.method = self._engine.graph.methods.get(dest, dialog.method)
        if dest != source:
            if self._engine.steps[dest].checkpoint:
                dialog.history.clear()
            elif dest == START_STEP:
                restart(dialog)
            else:
                dialog.history.append(source)
        dialog.step = dest

    def context(self, dialog: DialogSession, inbound: Inbound | None) -> StepContext:
        """What the steps see; the numbers the channel knows come with `inbound`."""
        return StepContext(
            draft=dialog.draft,
            lang=dialog.lang,
            channel=self.channel,
            user_id=self.user_id,
            now=self._engine.now(),
            caller=inbound.caller if inbound else None,
            vouched_phone=inbound.vouched_phone if inbound else None,
        )

    def _show(self, dialog: DialogSession, ctx: StepContext, notice: Msg | None) -> Reply:
        return screen(self._engine.steps[dialog.step], dialog, ctx, notice)

    def _rollback(self, saved: DialogSession | None) -> DialogSession | None:
        """The dialog as it was before a failed turn (re-read: the turn may have changed it)."""
        if saved is None or self._blob is None:
            return None
        record, _ = self._engine.decode(self._blob)
        return record.dialog
