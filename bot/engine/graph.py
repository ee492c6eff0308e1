"""The dialog graph: every step of every dialog, checked before the engine runs, the
`transitions` machine over them, and the version that tells a stored session whether it
was made by this graph."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import msgspec
from transitions import Machine

from bot.dialogs.draft import Draft, PersonDraft
from bot.engine.spec import KEEP, OK, SKIP, STAY, Act, Dialog, Step

START_STEP: Final = "start.who"
PERSON_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(PersonDraft))


class GraphError(ValueError):
    """The dialogs do not form a graph regbot can run: every problem, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("the dialog graph is broken:\n" + "\n".join(problems))
        self.problems = tuple(problems)


def validate(dialogs: Sequence[Dialog]) -> dict[str, Step]:
    """All steps by name, once every rule holds (goflow's `flow.validate()`):

    - step names are unique, and `start.who` exists;
    - every `next` leads to a step that exists;
    - every exit an action may return, and every option without an action, has a `next`,
      and every `next` is taken by one of them;
    - a step that reads typed text or keeps a field without an action goes on with `ok`;
    - an end step leads nowhere; every other step leads somewhere;
    - every step can be reached from the first screen;
    - every `field` is a field of `PersonDraft`.
    """
    problems: list[str] = []
    steps: dict[str, Step] = {}
    for dialog in dialogs:
        for step in dialog.steps:
            if str(step.name) in steps:
                problems.append(f"{step.name}: declared twice")
            steps[str(step.name)] = step
    if START_STEP not in steps:
        problems.append(f"{START_STEP}: missing")
    for step in steps.values():
        problems += [f"{step.name}: {p}" for p in _step_problems(step, steps)]
    entries = [str(m.entry) for d in dialogs for m in d.methods]
    problems += [
        f"{name}: cannot be reached from {START_STEP}"
        for name in sorted(set(steps) - _reachable(steps, [START_STEP, *entries]))
    ]
    if problems:
        raise GraphError(problems)
    return steps


def _step_problems(step: Step, steps: Mapping[str, Step]) -> Iterator[str]:
    declared = {str(exit) for exit in step.next}
    for exit, dest in step.next.items():
        if str(dest) not in steps:
            yield f"exit {exit} leads to the unknown step {dest}"
    if step.end:
        if step.next or step.choices or step.act or step.parse:
            yield "an end step must lead nowhere"
        return
    if not step.next:
        yield "leads nowhere (and is not an end step)"
    for act in _acts(step):
        for missing in sorted(act.exits - declared):
            yield f"{act.name} may return {missing}, which has no next"
    for choice in step.choices:
        if choice.act is None and choice.key not in declared:
            yield f"option {choice.key} has no next"
    if step.act is None and (step.parse or step.field or step.optional) and OK not in declared:
        yield "an answer goes on with ok, which has no next"
    if step.field is not None and step.field not in PERSON_FIELDS:
        yield f"field {step.field} is not a field of PersonDraft"
    for exit in declared & {STAY, KEEP, SKIP}:
        yield f"{exit} is not an exit"
    taken = {e for a in _acts(step) for e in a.exits}
    taken |= {c.key for c in step.choices if c.act is None}
    if step.act is None and (step.parse or step.field or step.optional):
        taken.add(OK)
    for unused in sorted(declared - taken):
        yield f"exit {unused} is declared but nothing takes it"


def _acts(step: Step) -> Iterator[Act]:
    if step.act is not None:
        yield step.act
    if step.on_resume is not None:
        yield step.on_resume
    for choice in step.choices:
        if choice.act is not None:
            yield choice.act


def _reachable(steps: Mapping[str, Step], starts: Sequence[str]) -> set[str]:
    seen, todo = set(), deque(s for s in starts if s in steps)
    while todo:
        name = todo.popleft()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(str(dest) for dest in steps[name].next.values() if str(dest) in steps)
    return seen


class DialogGraph:
    """All steps by name, and where each exit of each step leads.

    The machine's edges are read as a table of destinations rather than the machine
    being moved: it holds no per-person state, so turns of different people never share
    a cursor.
    """

    def __init__(self, dialogs: Sequence[Dialog]) -> None:
        self.dialogs = tuple(dialogs)
        self.steps = validate(dialogs)
        self._machine = Machine(
            model=None,
            # plain strings: `transitions` names Enum states by member name, and two
            # dialogs' StrEnums both have e.g. FULL_NAME
            states=list(self.steps),
            transitions=[
                {"trigger": str(exit), "source": name, "dest": str(dest)}
                for name, step in self.steps.items()
                for exit, dest in step.next.items()
            ],
            initial=START_STEP,
            auto_transitions=False,
        )
        # the machine's edges as a table, read once: asking it scans every edge of the
        # trigger (11 us a turn in `get_transitions`, for an answer that never changes)
        self._edges = {
            (str(source), str(trigger)): str(found[0].dest)
            for trigger, event in self._machine.events.items()
            for source, found in event.transitions.items()
            if found
        }
        self.version = _version(self.steps)
        # the entry step of each registration method -> its key (what the console shows)
        self.methods = {str(m.entry): m.key for d in dialogs for m in d.methods if m.kinds}

    def destination(self, source: str, exit: str) -> str | None:
        """Where `exit` leads from `source`; None when the graph has no such edge."""
        return self._edges.get((str(source), str(exit)))


def _version(steps: Mapping[str, Step]) -> str:
    """Changes when a step, an edge or the draft's shape changes."""
    graph = sorted(
        (name, s.field or "", sorted((str(k), str(v)) for k, v in s.next.items()), s.sensitive)
        for name, s in steps.items()
    )
    draft = msgspec.json.encode(msgspec.json.schema(Draft))
    return hashlib.sha256(repr(graph).encode() + draft).hexdigest()[:16]
