"""The shape of a dialog: steps declared as data, run by `bot.engine.DialogEngine`.

A step shows a prompt; the person answers by picking a choice or typing text that a
parser validates; an action (`Act`) performs the step's one side effect and names its
outcome, one of the exits it declares; `next` says where each exit leads. The graph is
checked before the engine runs (`bot.engine.graph.validate`). Nothing here knows
channels or stores.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from bot.accounts.model import AccountKind
from bot.dialogs.draft import Draft
from bot.i18n import Msg, Personal
from bot.validation.refusal import Invalid

OK: Final = "ok"  # the outcome of an answer with no action, and of most actions
__all__ = [
    "KEEP",
    "OK",
    "SKIP",
    "STAY",
    "Act",
    "Choice",
    "Dialog",
    "Invalid",
    "Method",
    "Outcome",
    "Step",
    "StepContext",
    "act",
]

STAY: Final = "stay"  # an outcome that keeps the person at the step (with a notice)
SKIP: Final = "skip"  # choice key offered by optional steps
KEEP: Final = "keep"  # choice key offered when a value was typed before (after "back")


@dataclass(slots=True)
class StepContext:
    """What a parser, prompt or action may see of the conversation. The ports an action
    uses are its dialog's own (given when the dialog is built), never reached from here."""

    draft: Draft
    lang: str
    channel: str
    user_id: str
    now: datetime
    caller: str | None = None  # the number the person calls from (USSD): busy with the call
    vouched_phone: str | None = None  # the person's own number, vouched for by a chat channel

    @property
    def epoch(self) -> float:
        """`now` as epoch seconds: what is stored for any worker to read."""
        return self.now.timestamp()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an action: the exit to take, and a notice to show first."""

    exit: str = OK
    notice: Msg | None = None

    @classmethod
    def stay(cls, notice: Msg | None = None) -> Outcome:
        return cls(STAY, notice)


Run = Callable[[StepContext, Any], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Act:
    """A step's side effect and every exit it may return (staying is always allowed).

    Made with the `act` decorator, on a function or a method (a method's Act binds to
    its dialog object like a method does).
    """

    run: Callable[..., Awaitable[Outcome]]  # (ctx, value), or (self, ctx, value) unbound
    exits: frozenset[str]
    name: str

    def __get__(self, instance: object, owner: type | None = None) -> Act:
        if instance is None:
            return self
        return Act(functools.partial(self.run, instance), self.exits, self.name)

    async def __call__(self, ctx: StepContext, value: Any) -> Outcome:
        return await self.run(ctx, value)


def act(*exits: StrEnum | str) -> Callable[[Callable[..., Awaitable[Outcome]]], Act]:
    """Declare an action and the exits it may return: `@act(Exit.OK, Exit.DUPLICATE)`."""

    def declare(run: Callable[..., Awaitable[Outcome]]) -> Act:
        return Act(run, frozenset(str(e) for e in exits), run.__name__.strip("_"))

    return declare


Parser = Callable[[str, StepContext], Any]
PromptFn = Callable[[StepContext], Msg | Sequence[Msg]]
LabelFn = Callable[[StepContext], Msg]
Predicate = Callable[[StepContext], bool]
DisplayFn = Callable[[Any], Msg | Personal | str]


@dataclass(frozen=True, slots=True)
class Choice:
    """A numbered option. Without `act`, picking it takes the exit named by `key`; with
    one, the exit the action returns. `when` hides it where it does not apply."""

    key: str
    label: Msg | LabelFn
    act: Act | None = None
    when: Predicate | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One screen of a dialog.

    Attributes:
        name: a member of its dialog's step enum, `<dialog>.<step>`.
        prompt: the question, or a function of the context (e.g. a summary).
        help: what `help` shows at this step.
        choices: numbered options.
        parse: validates typed text; its value is stored in the draft's `field`.
        field: a field of `PersonDraft` the step fills (offered back after "back").
        act: the step's side effect (e.g. check the carrier, send the OTP).
        next: exit -> next step.
        sensitive: the input is a secret (password, OTP): never echoed, never kept in clear.
        optional: offers a "skip" choice that clears the field (or a predicate: when).
        end: the conversation is over once this step is shown.
        checkpoint: "back" cannot return past this step (e.g. after an OTP was verified).
        show_value: how to display the kept value when coming back (masked for IDs).
        on_resume: what a waiting step does when the event it waits for arrives (a
            signature): the same as the person asking, without their turn.
        password: the input is a password to set: a channel that cannot delete typed
            messages asks for it elsewhere (Zalo's `/secret` page).
        phone: the input is the person's phone number: a messenger can offer to share
            it (Zalo's and Telegram's "share my phone number").
        release_line: the screen asks the person to end the call they are on (a SIM
            that must confirm on the line they call from): a channel holding the line
            ends its session, the dialog stays where it is for the next call.
    """

    name: StrEnum
    prompt: Msg | PromptFn
    help: Msg
    choices: tuple[Choice, ...] = ()
    parse: Parser | None = None
    field: str | None = None
    act: Act | None = None
    next: Mapping[str, StrEnum] = dataclasses.field(default_factory=dict)
    sensitive: bool = False
    optional: bool | Predicate = False
    end: bool = False
    checkpoint: bool = False
    show_value: DisplayFn | None = None
    on_resume: Act | None = None
    password: bool = False
    phone: bool = False
    release_line: Predicate | None = None


@dataclass(frozen=True, slots=True)
class Method:
    """A registration method as the first screens offer it (guide: "Chọn phương thức")."""

    key: str
    label: Msg
    kinds: tuple[AccountKind, ...]  # registrant kinds it serves; () for the first screen
    entry: StrEnum  # first step


@dataclass(frozen=True, slots=True)
class Dialog:
    """A module's contribution: its steps and, for registration methods, how to enter."""

    name: str
    steps: tuple[Step, ...]
    methods: tuple[Method, ...] = ()
