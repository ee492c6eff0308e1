"""The terminal chat (`regbot demo`): numbered options one per line, stdin line by line."""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import sys
from collections.abc import Callable
from typing import Final, Protocol, TextIO

from bot.channels.commands import read_command
from bot.engine import DialogEngine
from bot.engine.messages import Action, Inbound, Reply
from bot.engine.render import render
from bot.i18n import Translator, msg

CHANNEL: Final = "console"
QUIT: Final = ("/quit", "/thoat")


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
        self._out.write(line + "\n")
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
        """Chat until end of input or /quit; a finished dialog starts a new one."""
        await self.turn(Inbound(CHANNEL, self._user, action=Action.SHOW, lang=self._lang))
        while True:
            line = await asyncio.to_thread(read_line or self._read)
            if line == "" or line.strip().lower() in QUIT:  # EOF or quit
                return
            if self._extra is not None and await self._extra.command(line, self._lang):
                continue
            # the language chosen so far also starts the next conversation
            inbound = dataclasses.replace(to_inbound(line, self._user), lang=self._lang)
            if not await self.turn(inbound):
                self.print(self._translator.render(msg("console.again"), self._lang))

    def _read(self) -> str:
        prompt = "> "
        if self._secret_next and sys.stdin.isatty():
            return getpass.getpass(prompt) + "\n"
        self._out.write(prompt)
        self._out.flush()
        return sys.stdin.readline()
