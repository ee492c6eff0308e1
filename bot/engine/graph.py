"""The dialog graph: every step of every dialog, the `transitions` machine over them, and
the version that tells a stored session whether it was made by this graph."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Final

from transitions import Machine

from bot.engine.spec import Dialog, Step

START_STEP: Final = "start.who"


class DialogGraph:
    """All steps by name, and where each outcome of each step leads.

    The machine is asked for destinations (`get_transitions`) rather than moved: it holds
    no per-person state, so turns of different people never share a cursor.
    """

    def __init__(self, dialogs: Sequence[Dialog]) -> None:
        self.steps: dict[str, Step] = {}
        for dialog in dialogs:
            for step in dialog.steps:
                if step.name in self.steps:
                    raise ValueError(f"step {step.name} declared twice")
                self.steps[step.name] = step
        if START_STEP not in self.steps:
            raise ValueError(f"no {START_STEP} step")
        self._machine = Machine(
            model=None,
            # plain strings: `transitions` names Enum states by member name, and two
            # dialogs' StrEnums both have e.g. FULL_NAME
            states=[str(name) for name in self.steps],
            transitions=[
                {"trigger": str(trigger), "source": str(step.name), "dest": str(dest)}
                for step in self.steps.values()
                for trigger, dest in step.next.items()
            ],
            initial=START_STEP,
            auto_transitions=False,
        )
        self.version = _version(self.steps)

    def destination(self, source: str, trigger: str) -> str | None:
        """Where `trigger` leads from `source`; None when the graph has no such edge."""
        found = self._machine.get_transitions(trigger=str(trigger), source=str(source))
        return str(found[0].dest) if found else None


def _version(steps: Mapping[str, Step]) -> str:
    graph = sorted(
        (
            name,
            s.field or "",
            tuple(sorted((str(k), str(v)) for k, v in s.next.items())),
            s.sensitive,
        )
        for name, s in steps.items()
    )
    return hashlib.sha256(repr(graph).encode()).hexdigest()[:16]
