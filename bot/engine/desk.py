"""A support agent in a person's conversation (the console's "help"): writing to them,
taking the conversation over (the bot pauses, what the person types goes to the agent),
handing it back (the bot goes on at the step where it paused), resetting it.

Engine-level and channel-agnostic: an `AgentEvent` changes the person's record; the
reply it gives is pushed by the channel that can push, and otherwise waits in the record
(`AgentHelp.pending`) to come first on the person's next screen (USSD).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.engine.graph import START_STEP
from bot.engine.messages import (
    SECRET_CONSUMED,
    Action,
    AgentEvent,
    AgentMessage,
    HandBack,
    Inbound,
    Reply,
    ResetConversation,
    TakeOver,
)
from bot.i18n import Msg, msg
from bot.state.session import AgentHelp, DialogSession, Note

if TYPE_CHECKING:
    from bot.engine.turn import Conversation


def apply_event(
    convo: Conversation, event: AgentEvent, *, can_push: bool
) -> tuple[str, Reply | None]:
    """Apply an agent's event to the record: its outcome name, and the reply to push
    (None when it waits for the person's next screen)."""
    record = convo.record
    help = record.help or AgentHelp()
    record.help = help
    if isinstance(event, TakeOver):
        help.paused, help.agent = True, event.agent
        outcome, note = "take_over", Note("help.taken_over")
    elif isinstance(event, HandBack):
        help.paused, help.agent = False, ""
        outcome, note = "hand_back", Note("help.handed_back")
    elif isinstance(event, ResetConversation):
        help.paused, help.agent = False, ""
        record.dialog = DialogSession(
            step=START_STEP,
            lang=convo.lang,
            spec_version=convo.engine.spec_version,
            entered=convo.engine.now().timestamp(),
        )
        outcome, note = "reset", Note("help.reset")
    elif isinstance(event, AgentMessage):
        outcome, note = "agent_message", Note("help.agent_message", event.text)
    else:  # pragma: no cover - a new event type without handling is a bug
        raise TypeError(f"unknown agent event {type(event).__name__}")
    reply = None
    if can_push:
        notes = [*help.pending, note]
        help.pending.clear()
        reply = _with_notes(convo.current_screen(), notes)
    else:
        help.pending.append(note)
    if help.idle:
        record.help = None
    return outcome, reply


def to_agent(convo: Conversation, inbound: Inbound) -> Reply:
    """A turn while an agent has the conversation: what was typed goes to them (through
    the record), the dialog stays where it paused."""
    reply = help_screen(convo)
    dialog = convo.record.dialog
    step = convo.engine.steps.get(dialog.step) if dialog else None
    unknown = step is None and inbound.action is Action.TEXT
    if unknown or (step is not None and step.sensitive):  # it may be a secret: a command too
        reply = replace(reply, hints=reply.hints | {SECRET_CONSUMED})
    return reply


def help_screen(convo: Conversation) -> Reply:
    """The screen while an agent has the conversation (or there is no dialog)."""
    texts: tuple[Msg, ...] = (msg("help.with_agent"),) if convo.record.paused else ()
    return Reply(texts=texts, lang=convo.lang, step=convo.step)


def pending_first(convo: Conversation, reply: Reply) -> Reply:
    """What waited for this screen (on a channel that cannot push) comes first."""
    help = convo.record.help
    if help is None or not help.pending:
        return reply
    notes, help.pending = list(help.pending), []
    if help.idle:
        convo.record.help = None
    return _with_notes(reply, notes)


def _with_notes(reply: Reply, notes: list[Note]) -> Reply:
    shown = tuple(msg(note.key, text=note.text) for note in notes)
    return replace(reply, texts=shown + reply.texts)
