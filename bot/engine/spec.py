"""The shape of a dialog: steps declared as data, run by `bot.engine.DialogEngine`.

A step shows a prompt; the person answers by picking a choice or typing text that a
parser validates; an optional action performs the step's one side effect and names the
outcome; `next` maps each outcome to the following step. Nothing here knows channels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from bot.i18n import Msg

if TYPE_CHECKING:
    from bot.services import Services

OK: Final = "ok"
STAY: Final = "stay"  # outcome that keeps the person at the step (with a notice)
SKIP: Final = "skip"  # choice key offered by optional steps
KEEP: Final = "keep"  # choice key offered when a value was typed before (after "back")


class Invalid(Exception):
    """Raised by a parser: the input is refused, the message says why and how to fix it."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


@dataclass(slots=True)
class StepContext:
    """What a parser, prompt or action may see: the dialog's data and the ports."""

    data: dict[str, Any]
    services: Services
    lang: str
    channel: str
    user_id: str
    now: datetime
    caller: str | None = None  # the number the person calls from, when the channel knows it


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an action: which transition to take, and a notice to show first."""

    trigger: str = OK
    notice: Msg | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A numbered option. `act`, if set, is the side effect of picking it."""

    key: str
    label: Msg
    act: StepAction | None = None


Parser = Callable[[str, StepContext], Any]
StepAction = Callable[[StepContext, Any], Awaitable[Outcome]]
PromptFn = Callable[[StepContext], Msg | Sequence[Msg]]
ChoicesFn = Callable[[StepContext], Sequence[Choice]]
DisplayFn = Callable[[Any], Msg | str]


@dataclass(frozen=True, slots=True)
class Step:
    """One screen of a dialog.

    Attributes:
        name: globally unique, `<dialog>.<step>`.
        prompt: the question, or a function of the context (e.g. a summary).
        help: what `help` shows at this step.
        choices: numbered options; a choice's key is the outcome unless `act` says otherwise.
        parse: validates typed text; its value is stored under `field`.
        act: the step's side effect (e.g. check the carrier, send the OTP) -> Outcome.
        next: outcome -> next step name.
        sensitive: the input is a secret (password, OTP): never echoed, never kept in clear.
        optional: offers a "skip" choice that stores None.
        end: the conversation is over once this step is shown.
        checkpoint: "back" cannot return past this step (e.g. after an OTP was verified).
        show_value: how to display the kept value when coming back (masked for IDs).
        on_resume: what a waiting step does when the event it waits for arrives (a
            signature): the same as the person asking, without their turn.
    """

    name: str
    prompt: Msg | PromptFn
    help: Msg
    choices: tuple[Choice, ...] | ChoicesFn = ()
    parse: Parser | None = None
    field: str | None = None
    act: StepAction | None = None
    next: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sensitive: bool = False
    optional: bool = False
    end: bool = False
    checkpoint: bool = False
    show_value: DisplayFn | None = None
    on_resume: StepAction | None = None


@dataclass(frozen=True, slots=True)
class Method:
    """A registration method as the first screens offer it (guide: "Chọn phương thức")."""

    key: str
    label: Msg
    kinds: tuple[str, ...]  # registrant kinds it serves: citizen, business, official
    entry: str  # first step


@dataclass(frozen=True, slots=True)
class Dialog:
    """A module's contribution: its steps and, for registration methods, how to enter."""

    name: str
    steps: tuple[Step, ...]
    methods: tuple[Method, ...] = ()
