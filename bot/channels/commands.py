"""The one table of text commands, for every channel that reads typed text.

Slash commands work everywhere people type (terminal, Telegram, Zalo); the keypad keys
(`0`, `00`, `?`) where a number pad is the keyboard (terminal; USSD reads its own keys,
as `99` pages there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bot.engine.messages import Action

SLASH_COMMANDS: Final[Mapping[str, Action]] = {
    "/start": Action.HOME,
    "/home": Action.HOME,
    "/back": Action.BACK,
    "/quaylai": Action.BACK,
    "/help": Action.HELP,
    "/trogiup": Action.HELP,
    "/cancel": Action.CANCEL,
    "/huy": Action.CANCEL,
}
KEYPAD: Final[Mapping[str, Action]] = {"0": Action.BACK, "00": Action.HOME, "?": Action.HELP}
LANGUAGE_COMMAND: Final = "/lang"


@dataclass(frozen=True, slots=True)
class Command:
    action: Action
    argument: str = ""  # `/lang en` -> "en"


def read_command(text: str, *, keypad: bool = False) -> Command | None:
    """The command `text` is, or None for an answer. `/help@regbot` (Telegram's form in
    a menu) is `/help`."""
    word = text.strip().lower()
    command = word.split("@")[0] if word.startswith("/") else word
    if command in SLASH_COMMANDS:
        return Command(SLASH_COMMANDS[command])
    if keypad and command in KEYPAD:
        return Command(KEYPAD[command])
    if command.startswith(LANGUAGE_COMMAND):
        return Command(Action.LANGUAGE, command.removeprefix(LANGUAGE_COMMAND).strip())
    return None
