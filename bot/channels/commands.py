"""The one table of text commands, for every channel that reads typed text.

Slash commands work everywhere people type (terminal, Telegram, Zalo); the keypad keys
(`0`, `00`, `?`) where a number pad is the keyboard (terminal); USSD's keys are numbers
a feature phone can type, apart from any option number (`99` pages there, read by the
USSD channel itself)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
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


class UssdKey(StrEnum):
    """What a feature phone types for the ways around a dialog (said on the first screen)."""

    BACK = "0"
    HOME = "00"  # clears what was typed and shows the first screen
    HELP = "98"
    CANCEL = "97"


USSD_KEYS: Final[Mapping[str, Action]] = {
    UssdKey.BACK: Action.BACK,
    UssdKey.HOME: Action.HOME,
    UssdKey.HELP: Action.HELP,
    UssdKey.CANCEL: Action.CANCEL,
}
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


def read_ussd_key(text: str) -> Action | None:
    """The action a USSD input is, or None for an answer (an option number, a value)."""
    return USSD_KEYS.get(text.strip())
