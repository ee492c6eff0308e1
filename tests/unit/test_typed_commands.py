"""What a typed line is, on every channel that reads slash commands (Telegram, Zalo, the
terminal): the first word decides, exactly; a password that only looks like a command
is an answer."""

from __future__ import annotations

import pytest

from bot.channels.commands import Command, read_command
from bot.engine.messages import Action


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("/start", Command(Action.HOME)),
        ("/start qr-poster-hanoi", Command(Action.HOME)),  # a Telegram deep link's payload
        ("/start@regbot_test_bot", Command(Action.HOME)),  # Telegram's form in a menu
        ("/help what is a CCCD?", Command(Action.HELP)),
        ("/HUY  ", Command(Action.CANCEL)),
        ("/lang", Command(Action.LANGUAGE)),
        ("/lang en", Command(Action.LANGUAGE, "en")),
        ("/lang@regbot_test_bot EN please", Command(Action.LANGUAGE, "en")),
    ],
)
def test_a_command_is_its_first_word_and_what_follows_is_ignored_but_lang_s_argument(
    typed: str, command: Command
):
    assert read_command(typed) == command
    assert read_command(typed, keypad=True) == command


@pytest.mark.parametrize(
    "typed", ["/Langsen#2024", "/lang@sen2024", "/langen", "/helpme", "/start-over", "/ lang"]
)
def test_a_password_that_only_begins_like_a_command_is_an_answer(typed: str):
    assert read_command(typed) is None
    assert read_command(typed, keypad=True) is None


def test_keypad_keys_are_the_whole_line_and_only_where_a_keypad_is_the_keyboard():
    assert read_command("00", keypad=True) == Command(Action.HOME)
    assert read_command("00") is None  # Telegram: a typed 00 is an answer
    assert read_command("0 Nguyen", keypad=True) is None
