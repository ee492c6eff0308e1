"""`regbot dialogs`: every registration route drawn into `docs/dialogs/{lang}/`, the
drawings committed so that a change of a route is a reviewed diff; `--check` says
whether they are stale (a test runs it)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bot.dialogs.registry import dialogs_for_review
from bot.engine.diagram import draw_routes, page
from bot.engine.graph import validate
from bot.i18n import Translator, msg


def drawings(langs: Sequence[str]) -> dict[Path, str]:
    """The pages, by path relative to the drawings' folder."""
    dialogs = dialogs_for_review()
    validate(dialogs)
    translator = Translator.load()
    pages: dict[Path, str] = {}
    for lang in langs:
        intro = translator.render(msg("dialogs.intro"), lang)
        for diagram in draw_routes(dialogs, translator, lang):
            pages[Path(lang) / f"{diagram.route}.md"] = page(diagram, intro)
    return pages


def write_drawings(out: Path, langs: Sequence[str], *, check: bool = False) -> int:
    """Write the drawings (0), or with `check` compare them (1 when any is stale)."""
    stale = []
    for relative, text in drawings(langs).items():
        path = out / relative
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    if stale:
        print("stale (run `regbot dialogs` and commit): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0
