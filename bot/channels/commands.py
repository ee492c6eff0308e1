"""The one table of text commands, for every channel that reads typed text.

Slash commands work everywhere people type (terminal, Telegram, Zalo); the keypad keys
(`0`, `00`, `?`) where a number pad is the keyboard (terminal); USSD's keys are numbers
a feature phone can type, apart from any option number (`99` pages there, read by the
USSD channel itself)."""

from __future__ import annotations

import re
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
# a command word, optionally with a bot's username (Telegram's: a letter first, "bot" last)
COMMAND_WORD: Final = re.compile(r"(/[a-z]+)(?:@[a-z][a-z0-9_]*bot)?")


@dataclass(frozen=True, slots=True)
class Command:
    action: Action
    argument: str = ""  # `/lang en` -> "en"


def read_command(text: str, *, keypad: bool = False) -> Command | None:
    """The command `text` is, or None for an answer.

    A slash command is the first word, exactly, or it with Telegram's `@botname` (its
    form in a menu: `/help@regbot` is `/help`); what follows is ignored (`/start
    qr-poster`, a deep link's payload) but `/lang`'s argument (`/lang en`). A word that
    only begins like one (`/Langsen#2024`, `/lang@sen2024`: passwords) is an answer.
    Keypad keys are the whole text."""
    words = text.split(maxsplit=1)
    slash = COMMAND_WORD.fullmatch(words[0].lower()) if words else None
    command = slash.group(1) if slash else ""
    if command in SLASH_COMMANDS:
        return Command(SLASH_COMMANDS[command])
    if command == LANGUAGE_COMMAND:
        argument = words[1].split()[0].lower() if len(words) > 1 else ""
        return Command(Action.LANGUAGE, argument)
    if keypad and text.strip() in KEYPAD:
        return Command(KEYPAD[text.strip()])
    return None


def read_ussd_key(text: str) -> Action | None:
    """The action a USSD input is, or None for an answer (an option number, a value)."""
    return USSD_KEYS.get(text.strip())
