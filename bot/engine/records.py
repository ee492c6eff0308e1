"""What a turn leaves behind for observers (metrics, logs, conversation events, the
support console's transcript): `TurnRecord`, with the person's side of the turn apart in
`Said`, which only the console's recorder reads, masks and encrypts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.dialogs.draft import FIELD_KINDS
from bot.engine.messages import Action, AgentEvent, Inbound, Reply
from bot.engine.view import chosen_label
from bot.i18n import Msg, Personal, PersonalKind

if TYPE_CHECKING:
    from bot.engine.turn import Conversation


@dataclass(frozen=True, slots=True)
class Typed:
    """What the person gave in a turn.

    `text` is None for a command (back, help...) and for anything that may be a secret
    (a sensitive step, or a step the engine could not tell): a secret never leaves the
    turn, not even masked. `kind` is the kind of the step's field (how to mask it).
    """

    action: str
    text: str | None = None
    secret: bool = False
    kind: str | None = None  # a bot.i18n.PersonalKind value
    choice: Msg | None = None  # the label of the option picked
    to_agent: bool = False  # typed while an agent had taken the conversation over


@dataclass(frozen=True, slots=True)
class Said:
    """The personal side of a turn: who (their id on the channel), what they typed, what
    they were shown (Msgs whose `Personal` parameters a record masks), and the personal
    values the dialog holds (to mask them wherever they appear, and to find the person
    again by the keyed hash of their phone or ID number)."""

    user_id: str
    lang: str
    typed: Typed | None = None
    shown: Reply | None = None
    personal: tuple[Personal, ...] = ()
    agent: str = ""  # an agent's event: who acted
    agent_text: str = ""  # an agent's message to the person


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What a turn did. The fields are free of personal data (the person is a keyed
    hash) for logs and metrics; `said` carries the personal side for the console."""

    channel: str
    step_before: str
    step_after: str
    outcome: str
    seconds: float
    person: str = ""  # the conversation key: a keyed hash, never the user id itself
    ended: bool = False
    kind: str = ""  # the registrant kind chosen, if any
    method: str = ""  # the registration method chosen, if any
    failed: bool = False  # the answer was refused and the person stays at the step
    failures: int = 0  # refused answers at the current step so far
    entered: float = 0.0  # epoch seconds: when the person reached the current step
    paused: bool = False  # an agent has taken the conversation over
    agent: str = ""  # the agent who has, or who acted in this record
    said: Said | None = None


def typed_of(convo: Conversation, inbound: Inbound) -> Typed | None:
    """What the person gave, for the record: never a secret, not even masked."""
    action = inbound.action
    if action in (Action.SHOW, Action.RESUME):
        return None
    if action not in (Action.TEXT, Action.CHOOSE):
        return Typed(action.value)
    dialog = convo.record.dialog
    step = convo.engine.steps.get(dialog.step) if dialog else None
    if dialog is None or step is None or step.sensitive:
        # a sensitive step, or no dialog to tell (it expired): it may be a password
        return Typed(action.value, secret=True)
    paused = convo.record.paused
    return Typed(
        action.value,
        text=inbound.text if action is Action.TEXT else None,
        kind=FIELD_KINDS.get(step.field or "") if not paused else None,
        choice=None if paused else chosen_label(step, convo.context(dialog, inbound), inbound),
        to_agent=paused,
    )


def record_of(
    convo: Conversation,
    before: str,
    reply: Reply,
    outcome: str,
    seconds: float,
    typed: Typed | None,
    event: AgentEvent | None,
) -> TurnRecord:
    """The record of a turn (or an agent's event) for the engine's observers."""
    dialog, help = convo.shown, convo.record.help
    now = convo.engine.now().timestamp()
    personal = dialog.draft.personal_values() if dialog else ()
    for phone in (convo.caller, convo.vouched_phone):
        if phone:
            personal = (*personal, Personal(phone, PersonalKind.PHONE))
    said = Said(
        convo.user_id,
        reply.lang,
        typed=typed,
        shown=reply if event is None else None,
        personal=personal,
        agent=event.agent if event else "",
        agent_text=getattr(event, "text", ""),
    )
    kind = dialog.draft.kind if dialog else None
    return TurnRecord(
        convo.channel,
        before,
        reply.step or (dialog.step if dialog else ""),
        outcome,
        seconds,
        person=convo.key,
        ended=reply.end,
        kind=str(kind or ""),
        method=dialog.method if dialog else "",
        failed=convo.failed,
        failures=dialog.failures if dialog else 0,
        entered=(dialog.entered or now) if dialog else now,
        paused=convo.record.paused,
        agent=help.agent if help else "",
        said=said,
    )
