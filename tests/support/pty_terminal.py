"""A `regbot` command (the demo, `agents add`) in a real terminal: a pseudo-terminal it
has as its controlling tty, for what only a terminal does - Ctrl-C and Ctrl-D as keys,
echo turned off for a password."""

from __future__ import annotations

import fcntl
import os
import re
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CTRL_C: bytes = b"\x03"
CTRL_D: bytes = b"\x04"


def _take_the_terminal() -> None:  # in the child, after setsid: the pty becomes its tty
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyRegbot:
    def __init__(self, data_dir: Path, *argv: str) -> None:
        self.master, slave = os.openpty()
        env = {**os.environ, "REGBOT_PASSWORD_HASHING": "fast", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *argv, "--data-dir", str(data_dir)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            preexec_fn=_take_the_terminal,  # after setsid: the pty becomes its terminal
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, pattern: str, seconds: float = 20) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while True:
            found = re.search(pattern, self.seen)
            if found:
                self.seen = self.seen[found.end() :]
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in: {self.seen[-800:]}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the demo ended and closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"demo ended before {pattern!r}: {self.seen[-800:]}")
                self.seen += chunk.decode(errors="replace")

    def keys(self, data: bytes) -> None:
        os.write(self.master, data)

    def type(self, line: str) -> None:
        self.keys(line.encode() + b"\r")  # Enter, as a keyboard sends it

    def echoes(self) -> bool:
        """Whether the terminal shows what is typed (off while a password is asked)."""
        return bool(termios.tcgetattr(self.master)[3] & termios.ECHO)

    def wait(self, seconds: float = 15) -> int:
        """The exit status, reading the terminal meanwhile (a full one would block it)."""
        deadline = time.monotonic() + seconds
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    pass
        if self.proc.poll() is None:
            raise AssertionError(f"the demo is still running: {self.seen[-800:]}")
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
