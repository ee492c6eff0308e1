"""Standard input for the terminal chat, read so that Ctrl-C ends the demo at once.

A line read in asyncio's default executor kept `asyncio.run` waiting for that thread at
exit, so Ctrl-C at a prompt left the demo hanging until Enter. Here a daemon thread reads
the raw file descriptor (`os.read`: no buffered reader's lock for shutdown to wait on) and
hands lines over one at a time; the lines stay bytes, so the chat can tell a line that is
not UTF-8 from text.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

# far past MAX_INPUT_LENGTH characters in any encoding: the rest of a longer line is
# dropped, and what is kept is still refused as too long
LINE_BYTES: Final = 16 * 1024
AHEAD: Final = 64  # lines read ahead of the chat (a long paste); the reader waits after


@dataclass(frozen=True, slots=True)
class Line:
    raw: bytes
    cut: bool = False  # longer than LINE_BYTES: the rest was dropped


class StdinLines:
    """Lines of a file descriptor; `None` at end of input."""

    def __init__(self, fd: int = 0) -> None:
        self._fd = fd
        self._queue: asyncio.Queue[Line | None] = asyncio.Queue()
        self._room = threading.Semaphore(AHEAD)
        self._thread: threading.Thread | None = None

    @property
    def tty(self) -> bool:
        return os.isatty(self._fd)

    async def read(self) -> Line | None:
        if self._thread is None:
            loop = asyncio.get_running_loop()
            self._thread = threading.Thread(
                target=self._pump, args=(loop,), name="stdin", daemon=True
            )
            self._thread.start()
        line = await self._queue.get()
        self._room.release()
        return line

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        def hand_over(line: Line | None) -> bool:
            self._room.acquire()
            try:
                loop.call_soon_threadsafe(self._queue.put_nowait, line)
            except RuntimeError:  # the chat is over (its loop closed)
                return False
            return True

        pending, cut = b"", False
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:  # end of input: the last line even without its newline
                if (pending or cut) and not hand_over(Line(pending, cut)):
                    return
                hand_over(None)
                return
            while chunk:
                head, newline, chunk = chunk.partition(b"\n")
                if not cut:
                    pending += head
                    if len(pending) > LINE_BYTES:
                        pending, cut = pending[:LINE_BYTES], True
                if not newline:
                    break
                if not hand_over(Line(pending, cut)):
                    return
                pending, cut = b"", False


@contextlib.contextmanager
def echo_off(fd: int) -> Iterator[None]:
    """What is typed is not shown (a password, a code); the terminal is set back however
    the read ends - Ctrl-C included, which a reading `getpass` thread never did."""
    try:
        before = termios.tcgetattr(fd)
    except termios.error:
        yield
        return
    hidden = list(before)
    hidden[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, hidden)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)
