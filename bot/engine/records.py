"""What a turn leaves behind for observers (metrics, logs, conversation events, the
support console's transcript): `TurnRecord`, with the person's side of the turn apart in
`Said`, which only the console's recorder reads, masks and encrypts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.messages import Reply
from bot.i18n import Msg, Personal


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
