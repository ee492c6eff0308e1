"""Dialogs drawn for review: one Mermaid state diagram per registration route, with the
catalog texts on the states and the options' labels on the arrows, so that a policy
officer can check a route against the official guide without reading Python.

Drawn with transitions' own diagram support (`GraphMachine`, Mermaid engine)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from transitions.extensions import GraphMachine

from bot.dialogs.draft import Draft
from bot.engine.spec import Dialog, Method, Step, StepContext
from bot.i18n import Msg, Translator, msg

LABEL_CHARS: Final = 90
ALWAYS_DRAWN: Final = ("common.duplicate",)  # shared, but part of every route's story
SHARED: Final = "common"  # the dialog of the shared steps


@dataclass(frozen=True, slots=True)
class Diagram:
    route: str  # the method's key: mobile, bhxh, sim, usb, official_usb, forgot
    title: str
    mermaid: str


def draw_routes(dialogs: Sequence[Dialog], translator: Translator, lang: str) -> list[Diagram]:
    """A diagram per method that has steps of its own (forgot password included)."""
    steps = {str(s.name): s for d in dialogs for s in d.steps}
    owner = {str(s.name): d.name for d in dialogs for s in d.steps}
    diagrams = []
    for dialog in dialogs:
        for method in dialog.methods:
            if dialog.name == SHARED or owner[str(method.entry)] != dialog.name:
                continue  # an entry into shared steps (other ways): no route of its own
            diagrams.append(_draw(method, dialog.name, steps, owner, translator, lang))
    return diagrams


def _draw(
    method: Method,
    dialog: str,
    steps: dict[str, Step],
    owner: dict[str, str],
    translator: Translator,
    lang: str,
) -> Diagram:
    def own(name: str) -> bool:
        return owner.get(name) == dialog or name in ALWAYS_DRAWN

    names = _route(str(method.entry), steps, own)
    title = translator.render(msg(f"dialogs.title.{method.key}"), lang)
    machine = GraphMachine(
        states=[_node(n) for n in names],
        transitions=[
            {
                "trigger": f"t{i}",
                "source": _node(source),
                "dest": _node(dest),
                "label": _quote(text),
            }
            for i, (source, dest, text) in enumerate(_edges(names, steps, own, translator, lang))
        ],
        initial=_node(str(method.entry)),
        graph_engine="mermaid",
        auto_transitions=False,
        show_state_attributes=False,
        title=title,
    )
    for state in machine.markup["states"]:
        name = names[[_node(n) for n in names].index(state["name"])]
        state["label"] = _quote(_state_label(steps[name], own(name), translator, lang))
    text = machine.get_graph(force_new=True).draw(None)
    return Diagram(method.key, title, _for_review(text))


def _for_review(text: str) -> str:
    """Without what belongs to a live machine (which state is active, its styles) and
    the title (the page has it as a heading), top to bottom: routes are long."""
    lines = text.splitlines()
    start = lines.index("stateDiagram-v2")
    kept = [
        line.replace("direction LR", "direction TB")
        for line in lines[start:]
        if not line.strip().startswith(("Class ", "classDef "))
    ]
    return "\n".join(line for line in kept if line.strip()) + "\n"


def _route(entry: str, steps: dict[str, Step], own: object) -> list[str]:
    """The route's steps in the order a person meets them, and the shared steps it leads
    to (drawn, not followed)."""
    seen: list[str] = []
    todo = deque([entry])
    while todo:
        name = todo.popleft()
        if name in seen:
            continue
        seen.append(name)
        if callable(own) and own(name):
            todo.extend(str(dest) for dest in steps[name].next.values())
    return seen


def _edges(
    names: list[str],
    steps: dict[str, Step],
    own: object,
    translator: Translator,
    lang: str,
) -> Iterator[tuple[str, str, str]]:
    for name in names:
        if not (callable(own) and own(name)):
            continue
        step = steps[name]
        labels = {c.key: c.label for c in step.choices if c.act is None}
        for exit, dest in step.next.items():
            label = labels.get(str(exit))
            if isinstance(label, Msg):
                text = translator.render(label, lang)
            else:
                text = translator.render(msg(f"dialogs.exit.{exit}"), lang)
                if text == f"dialogs.exit.{exit}":
                    text = str(exit)
            yield name, str(dest), text


def _state_label(step: Step, own: bool, translator: Translator, lang: str) -> str:
    prompt = _prompt_text(step, translator, lang)
    return f"{step.name}: {prompt}" if own else f"{step.name} (→)"


def _prompt_text(step: Step, translator: Translator, lang: str) -> str:
    """The prompt as the catalog words it; a prompt made from what the person typed is
    drawn with nothing typed yet."""
    try:
        prompt = step.prompt(_empty(lang)) if callable(step.prompt) else step.prompt
    except (TypeError, ValueError, AttributeError):
        prompt = step.help
    texts = (prompt,) if isinstance(prompt, Msg) else tuple(prompt)
    text = " ".join(translator.render(t, lang) for t in texts)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _empty(lang: str) -> StepContext:
    return StepContext(Draft(), lang, "review", "review", datetime(2025, 1, 1, tzinfo=UTC))


def _node(name: str) -> str:
    return name.replace(".", "_")


def _quote(text: str) -> str:
    """Mermaid labels: a double quote would end one, a semicolon a statement."""
    return text.replace('"', "'").replace(";", ",")


def page(diagram: Diagram, intro: str) -> str:
    """A Markdown page GitHub and most viewers render."""
    return f"# {diagram.title}\n\n{intro}\n\n```mermaid\n{diagram.mermaid}```\n"
