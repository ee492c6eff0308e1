"""A transcript file: a story's fixtures and inputs, and what each channel showed for them.

One JSON file per story under `stories/` (goflow's `test/testdata/runner/*.json`):

- `story`, `lang`, `caller` (the person's phone: USSD's `phoneNumber`), and optionally
  `channels` (default: all three);
- `fixtures`: what the world holds before the story - `carrier_subscribers`,
  `bhxh_records`, `signing_sims` (bodies of the simulators' control API), `accounts`
  (rows), `usb_tokens` (test PKI users whose token the person holds);
- `inputs`: what the person does, channel-agnostic - `{"type": text}`,
  `{"pick": label}` (an option by its label, never by position), `{"otp": phone}` (type
  the code of the last SMS to that phone), `{"command": "back"|"home"|"help"|"cancel"}`,
  `{"sim": phone, "answer": "approve"|"refuse", "pin": ..., "check": label}` (the
  signing SIM's owner answers on the phone), `{"usb": user, "check": label}` (the link
  last shown or sent is signed with that user's token); after these two, a channel that
  cannot push picks `check`. An input with `"channels": [...]` is only for those;
- `outputs`, per channel: one record per thing sent (`input`, `sent`, `screen`, `sms`)
  and the `accounts` the story created. Written by `--update-transcripts`, compared
  otherwise.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bot.i18n import to_ascii

STORIES: Final = Path(__file__).parent / "stories"
CHANNELS: Final = ("terminal", "ussd", "telegram")
COMMANDS: Final = ("back", "home", "help", "cancel")
_KEY_ORDER: Final = ("story", "lang", "caller", "channels", "fixtures", "inputs", "outputs")
OTP_IN_SMS: Final = re.compile(r"\b\d{6}\b")
FLAT_WIDTH: Final = 100
SIGNING_LINK: Final = re.compile(r"https://regbot\.example/sign/[A-Za-z0-9_-]+")
LINK_TOKEN: Final = re.compile(r"(/sign/)[A-Za-z0-9_-]+")


class StoryError(AssertionError):
    """The story cannot be replayed as written (a label not on the screen, a bad input)."""


@dataclass(frozen=True, slots=True)
class Story:
    path: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Story:
        data = json.loads(path.read_text(encoding="utf-8"))
        for key in ("story", "lang", "caller", "inputs"):
            if key not in data:
                raise StoryError(f"{path.name}: `{key}` is missing")
        return cls(path, data)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def lang(self) -> str:
        return str(self.data["lang"])

    @property
    def caller(self) -> str:
        return str(self.data["caller"])

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.data.get("channels", CHANNELS))

    @property
    def fixtures(self) -> dict[str, list[Any]]:
        return dict(self.data.get("fixtures", {}))

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return list(self.data["inputs"])

    def expected(self, channel: str) -> Any:
        return self.data.get("outputs", {}).get(channel)

    def with_output(self, channel: str, output: Any) -> str:
        """The file's text with `output` as this channel's expected output (re-read first:
        the other channels' tests write the same file)."""
        data = json.loads(self.path.read_text(encoding="utf-8"))
        outputs = {**data.get("outputs", {}), channel: output}
        data["outputs"] = {name: outputs[name] for name in CHANNELS if name in outputs}
        ordered = {key: data[key] for key in _KEY_ORDER if key in data}
        ordered.update({key: value for key, value in data.items() if key not in ordered})
        return dumps(ordered)

    def rewrite(self, channel: str, output: Any) -> None:
        text = self.with_output(channel, output)
        if text != self.path.read_text(encoding="utf-8"):
            self.path.write_text(text, encoding="utf-8")


def all_stories() -> list[Story]:
    return [Story.load(path) for path in sorted(STORIES.glob("*.json"))]


def dumps(value: Any) -> str:
    """JSON for people: two-space indents, a flat object on one line when it fits, every
    list item on its own line (so that a changed screen line is a one-line diff)."""
    return _encode(value, 0) + "\n"


def _encode(value: Any, level: int) -> str:
    pad = "  " * level
    if isinstance(value, dict) and value:
        flat = json.dumps(value, ensure_ascii=False)
        if not any(isinstance(item, dict | list) for item in value.values()):
            if len(pad) + len(flat) <= FLAT_WIDTH:
                return flat
        items = [
            f"{pad}  {json.dumps(key, ensure_ascii=False)}: {_encode(item, level + 1)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{pad}  {_encode(item, level + 1)}" for item in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def describe(step: dict[str, Any]) -> str:
    """An input as one readable line, for the `input` of each record."""
    if "type" in step:
        return f"type: {step['type']}"
    if "pick" in step:
        return f"pick: {step['pick']}"
    if "otp" in step:
        return f"type: the code sent by SMS to {step['otp']}"
    if "command" in step:
        if step["command"] not in COMMANDS:
            raise StoryError(f"unknown command {step['command']!r}: one of {COMMANDS}")
        return str(step["command"])
    if "sim" in step:
        answer = step.get("answer", "approve")
        pin = f" with PIN {step['pin']}" if answer == "approve" else ""
        return f"the signing SIM {step['sim']} answers: {answer}{pin}"
    if "usb" in step:
        return f"signs the link on the computer with the USB token of {step['usb']}"
    raise StoryError(f"not an input: {step}")


def folded(label: str) -> str:
    """A label as compared: no accents, no case, single spaces (USSD shows ASCII)."""
    return " ".join(to_ascii(label).casefold().split())


def find_option(options: Iterable[tuple[str, str]], label: str) -> str | None:
    """The key of the option whose label is `label` (or, failing that, the only one that
    contains it as whole words: "Giữ" is not in "Trợ giúp"); None when there is none."""
    wanted = folded(label)
    words = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
    found = [(key, folded(shown)) for key, shown in options if words.search(folded(shown))]
    exact = [key for key, shown in found if shown == wanted]
    if exact:
        return exact[0]
    if len(found) > 1:
        raise StoryError(f"{label!r} matches several options: {[shown for _, shown in found]}")
    return found[0][0] if found else None


def each_text(value: Any, change: Callable[[str], str]) -> Any:
    """`value` (text, or lists and dicts of it) with `change` applied to every text."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [each_text(item, change) for item in value]
    if isinstance(value, dict):
        return {key: each_text(item, change) for key, item in value.items()}
    return value


def substitute(value: Any, secrets: Iterable[str], placeholder: str) -> Any:
    """`value` with each whole `secrets` word replaced by `placeholder`."""
    words = "|".join(re.escape(secret) for secret in sorted(set(secrets)))
    if not words:
        return value
    return each_text(value, lambda text: re.sub(rf"\b(?:{words})\b", placeholder, text))


@dataclass(slots=True)
class Masks:
    """Values that change from run to run, replaced so that the recorded files are
    stable: OTP codes (learnt from the SMS that carry them) and the expiry dates of the
    certificates the simulators issue today. Masked, a leaked code still shows as
    `<otp>` on a screen."""

    values: dict[str, set[str]] = field(default_factory=dict)

    def learn(self, placeholder: str, *values: str) -> None:
        self.values.setdefault(placeholder, set()).update(values)

    def learn_sms(self, text: str) -> None:
        self.learn("<otp>", *OTP_IN_SMS.findall(text))

    def apply(self, value: Any) -> Any:
        for placeholder, values in self.values.items():
            value = substitute(value, values, placeholder)
        # a signing link's one-time token
        return each_text(value, lambda text: LINK_TOKEN.sub(r"\1<token>", text))


def difference(story: Story, channel: str, output: Any) -> str:
    """A unified diff of the file as recorded and as this run would record it (line
    numbers are the file's once it has been written by `--update-transcripts`)."""
    recorded = json.loads(story.path.read_text(encoding="utf-8"))
    lines = difflib.unified_diff(
        dumps(recorded).splitlines(),
        story.with_output(channel, output).splitlines(),
        f"{story.path.name} (recorded)",
        f"{story.path.name} (replayed over {channel})",
        lineterm="",
        n=4,
    )
    return "\n".join(lines)
