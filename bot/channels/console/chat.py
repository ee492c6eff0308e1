"""The terminal chat (`regbot demo`): numbered options one per line, stdin line by line."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
import unicodedata
from collections.abc import Callable
from typing import Final, Protocol, TextIO

from bot.channels.commands import read_command
from bot.channels.console.stdin import Line, StdinLines, echo_off
from bot.engine import DialogEngine
from bot.engine.messages import Action, Inbound, Reply
from bot.engine.render import render
from bot.i18n import Translator, msg

CHANNEL: Final = "console"
QUIT: Final = ("/quit", "/thoat")
# reorder the text shown after them (a name that reads backwards); not for a chat line
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def printable(line: str) -> str:
    """A line as the terminal shows it: control characters (ESC starts sequences that
    clear the screen or write the clipboard) and bidi controls become U+FFFD. What is
    printed is not all regbot's: an agent's message, a name from a certificate."""
    return "".join("\ufffd" if _hidden(ch) else ch for ch in line)


def _hidden(ch: str) -> bool:
    return ch in BIDI_CONTROLS or (unicodedata.category(ch) == "Cc" and ch not in "\t\n")


def to_inbound(line: str, user_id: str) -> Inbound:
    """What a typed line means: a navigation command, a language switch, or an answer."""
    command = read_command(line, keypad=True)
    if command is not None:
        return Inbound(CHANNEL, user_id, text=command.argument, action=command.action)
    return Inbound(CHANNEL, user_id, text=line.rstrip("\r\n"))


class ConsoleExtra(Protocol):
    """Something the terminal also plays (the demo's signing SIM)."""

    async def ring(self, lang: str) -> None: ...

    async def command(self, line: str, lang: str) -> bool: ...


class Console:
    """The terminal chat: one person, numbered options, replies printed as they come."""

    name = CHANNEL

    def __init__(
        self,
        engine: DialogEngine,
        translator: Translator,
        *,
        lang: str = "vi",
        out: TextIO = sys.stdout,
        user_id: str = "terminal",
        extra: ConsoleExtra | None = None,
    ) -> None:
        self._extra = extra
        self._engine = engine
        self._translator = translator
        self._lang = lang
        self._out = out
        self._user = user_id
        self._secret_next = False

    def print(self, line: str = "") -> None:
        self._out.write(printable(line) + "\n")
        self._out.flush()

    async def turn(self, inbound: Inbound) -> bool:
        """Run one turn and print the reply; False when the conversation ended."""
        going_on = self._show(await self._engine.handle(inbound))
        if self._extra is not None:
            await self._extra.ring(self._lang)
        return going_on

    async def push(self, user_id: str, reply: Reply) -> None:
        """A reply to an event (a signature arrived): the terminal just prints it."""
        if user_id == self._user:
            self._show(reply)

    def _show(self, reply: Reply) -> bool:
        self._lang = reply.lang
        shown = render(reply, self._translator)
        self.print()
        for text in shown.texts:
            self.print(text)
        for number, (_, label) in enumerate(shown.options, start=1):
            self.print(f"{number}. {label}")
        if not shown.end:
            self.print(self._translator.render(msg("console.legend"), reply.lang))
        self._secret_next = shown.sensitive
        return not shown.end

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        """Chat until end of input or /quit; a finished dialog starts a new one.
        `read_line` (tests) is called in a thread; otherwise standard input is read."""
        stdin = StdinLines()
        await self.turn(Inbound(CHANNEL, self._user, action=Action.SHOW, lang=self._lang))
        while True:
            if read_line is not None:
                line: str | None = await asyncio.to_thread(read_line)
            else:
                line = await self._read(stdin)
            if line is None:  # not text: said so, the step waits for the line again
                continue
            if line == "" or line.strip().lower() in QUIT:  # EOF or quit
                return
            if self._extra is not None and await self._extra.command(line, self._lang):
                continue
            # the language chosen so far also starts the next conversation
            inbound = dataclasses.replace(to_inbound(line, self._user), lang=self._lang)
            if not await self.turn(inbound):
                self.print(self._translator.render(msg("console.again"), self._lang))

    async def _read(self, stdin: StdinLines) -> str | None:
        """A line with its newline ("" at end of input); None for one that is not UTF-8."""
        hide = self._secret_next and stdin.tty
        with echo_off(0) if hide else contextlib.nullcontext():  # off before the prompt
            self._out.write("> ")
            self._out.flush()
            got = await stdin.read()
        if hide:
            self._out.write("\n")  # the Enter was not shown either
        return "" if got is None else self._text(got)

    def _text(self, line: Line) -> str | None:
        try:
            text = line.raw.decode("utf-8")
        except UnicodeDecodeError:
            if not line.cut:
                self.print()  # apart from the prompt, as every reply is
                self.print(self._translator.render(msg("console.not_utf8"), self._lang))
                return None
            text = line.raw.decode("utf-8", "ignore")  # too long anyway: the step says so
        return text + "\n"
