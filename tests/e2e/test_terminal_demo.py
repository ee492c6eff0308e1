"""Stories of `regbot demo`, driven as a person would: a process, its stdin and stdout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.pty_terminal import CTRL_C, CTRL_D, PtyRegbot

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen = ""

    async def read_until(self, pattern: str, seconds: float = 15) -> re.Match[str]:
        async def loop() -> re.Match[str]:
            while True:
                found = re.search(pattern, self.seen)
                if found:
                    self.seen = self.seen[found.end() :]
                    return found
                chunk = await self.proc.stdout.read(4096)  # type: ignore[union-attr]
                if not chunk:
                    raise AssertionError(f"demo ended before {pattern!r}: {self.seen[-500:]}")
                self.seen += chunk.decode()

        return await asyncio.wait_for(loop(), seconds)

    async def type(self, line: str) -> None:
        self.proc.stdin.write((line + "\n").encode())  # type: ignore[union-attr]
        await self.proc.stdin.drain()  # type: ignore[union-attr]


async def start_demo(tmp_path: Path, *args: str, **settings: str) -> Terminal:
    env = {**os.environ, "REGBOT_PASSWORD_HASHING": "fast", "PYTHONUNBUFFERED": "1", **settings}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--data-dir",
        str(tmp_path),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=ROOT,
        env=env,
    )
    return Terminal(proc)


@contextlib.asynccontextmanager
async def demo(tmp_path: Path, *args: str, **settings: str) -> AsyncIterator[Terminal]:
    """`start_demo`, and the demo gone at the end however the story ends."""
    term = await start_demo(tmp_path, *args, **settings)
    try:
        yield term
    finally:
        if term.proc.returncode is None:
            term.proc.kill()
            await term.proc.wait()


async def sign_in_another_terminal(link: str, p12: str) -> None:
    """`regbot sign` plays the plugin on "the computer with the token"."""
    signer = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot.cli", "sign", link, "--p12", p12, "--pin", "1234"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(signer.communicate(), 30)
    assert signer.returncode == 0, output.decode()


async def register_an(term: Terminal, done_pattern: str) -> None:
    for line in ("1", "1", "Nguyen Van An", "17/05/1990", "001090012345", "0912 345 678", "1", "1"):
        await term.type(line)
    code = (await term.read_until(r"\[SMS \+84912345678\] .*?(\d{6})")).group(1)
    await term.type(code)
    await term.type("Hoa-Sen#2024")
    await term.type("Hoa-Sen#2024")
    await term.read_until(done_pattern)


async def test_a_citizen_registers_in_the_terminal_in_vietnamese(tmp_path):
    async with demo(tmp_path) as term:
        await term.read_until(r"Nguyễn Văn An")  # the sample people are listed first
        await term.read_until(r"1\. Công dân")
        await register_an(term, r"Đăng ký thành công")
        await term.type("/thoat")
        assert await asyncio.wait_for(term.proc.wait(), 15) == 0


async def test_a_citizen_registers_in_the_terminal_in_english(tmp_path):
    async with demo(tmp_path, "--lang", "en") as term:
        await term.read_until(r"1\. Citizen")
        await register_an(term, r"Registration complete")
        await term.type("again")  # a new conversation, still in English
        await term.read_until(r"Welcome")
        term.proc.stdin.close()  # type: ignore[union-attr]
        assert await asyncio.wait_for(term.proc.wait(), 15) == 0  # end of input ends the demo


async def test_a_citizen_registers_with_a_signing_sim_in_the_terminal(tmp_path):
    """The terminal plays the phone: the request shows as a [SIM ...] line, /ky PIN signs."""
    async with demo(tmp_path) as term:
        await term.read_until(r"Sim ký số \+84903123456: Đỗ Quang Huy")
        for line in ("1", "3", "0903123456"):
            await term.type(line)
        shown = await term.read_until(r"mã xác thực (\d{4})")
        ring = await term.read_until(r"\[SIM \+84903123456\] .*mã kiểm tra (\d{4})")
        assert ring.group(1) == shown.group(1)  # the same code on both sides
        await term.type("/ky 1111")
        await term.read_until(r"Chữ ký số hợp lệ")
        await term.type("1")  # skip the email
        await term.read_until(r"Thông tin lấy từ chứng thư số")
        await term.type("1")  # register
        await term.read_until(r"Đăng ký thành công")


async def test_a_business_registers_with_a_usb_token_signed_from_another_terminal(tmp_path):
    """The link is opened 'on the computer with the token': `regbot sign` plays the plugin."""
    async with demo(tmp_path, "--lang", "en") as term:
        users = (await term.read_until(r"--p12 (\S+)/citizen\.p12 --pin 1234")).group(1)
        for line in ("2", "2"):  # business -> USB token
            await term.type(line)
        await term.read_until(r"1\. Get the signing link")
        await term.type("1")
        link = (await term.read_until(r"(http://127\.0\.0\.1:\d+/sign/[\w-]+)")).group(1)
        await sign_in_another_terminal(link, f"{users}/business.p12")
        await term.read_until(r"signature is valid")  # the chat went on by itself
        await term.type("ketoan@hoasen.example.vn")  # required for a business
        await term.read_until(r"Công ty TNHH Hoa Sen")  # read from the certificate
        await term.read_until(r"1\. ")
        await term.type("1")
        await term.read_until(r"(?i)registration complete")


async def test_the_demo_s_two_sample_companies_both_register(tmp_path):
    """Sen Vàng signs with its SIM, then Hoa Sen with its USB token: two companies, two
    tax codes, so the second is not told its tax code already has an account."""
    async with demo(tmp_path, "--lang", "en") as term:
        users = (await term.read_until(r"--p12 (\S+)/citizen\.p12 --pin 1234")).group(1)
        for line in ("2", "1", "0987000111"):  # business -> signing SIM
            await term.type(line)
        await term.read_until(r"\[SIM \+84987000111\]")
        await term.type("/ky 2222")
        await term.read_until(r"signature is valid")
        await term.type("ketoan@senvang.example.vn")
        await term.read_until(r"Công ty TNHH Sen Vàng")
        await term.type("1")
        await term.read_until(r"(?i)registration complete")
        for line in ("again", "2", "2", "1"):  # business -> USB token -> get the link
            await term.type(line)
        link = (await term.read_until(r"(http://127\.0\.0\.1:\d+/sign/[\w-]+)")).group(1)
        await sign_in_another_terminal(link, f"{users}/business.p12")
        await term.read_until(r"signature is valid")
        await term.type("ketoan@hoasen.example.vn")
        await term.read_until(r"Công ty TNHH Hoa Sen")
        await term.type("1")
        await term.read_until(r"(?i)registration complete")


async def test_a_line_that_is_not_utf8_is_refused_plainly_and_the_step_waits(tmp_path):
    """A terminal set to another encoding (or a binary paste) sends bytes that are not
    UTF-8: the person is told how to fix it, nothing else is printed (no traceback from a
    record that could not be kept), and the same step takes the next line."""
    async with demo(tmp_path) as term:
        for line in ("1", "1"):
            await term.type(line)
        await term.read_until(r"Nhập họ và tên")
        term.proc.stdin.write(b"Nguy\xe1n V\xe3n An\n")  # type: ignore[union-attr] # Latin-1
        await term.read_until(r"không phải văn bản UTF-8.*bảng mã.*UTF-8 rồi nhập lại")
        await term.type("Nguyen Van An")
        await term.read_until(r"Nhập ngày sinh")
        await term.type("/thoat")
        assert await asyncio.wait_for(term.proc.wait(), 15) == 0
        rest = (await term.proc.stdout.read()).decode()  # type: ignore[union-attr]
        assert "Traceback" not in term.seen + rest and "Error" not in term.seen + rest


def test_a_person_who_presses_ctrl_c_at_a_menu_leaves_the_demo_at_once(tmp_path):
    term = PtyRegbot(tmp_path, "demo")
    try:
        term.read_until(r"6\. English")
        term.type("1")
        term.read_until(r"6\. Về màn hình đầu[\s\S]*> ")
        term.keys(CTRL_C)
        assert term.wait(10) == 0  # it used to wait for one more Enter
        assert "Traceback" not in term.seen
    finally:
        term.close()


@pytest.mark.parametrize("keys", [b"Hoa-Sen" + CTRL_C, CTRL_D], ids=["ctrl-c", "ctrl-d"])
def test_a_citizen_who_leaves_at_the_password_prompt_gets_the_terminal_back_as_it_was(
    tmp_path, keys
):
    """The password is typed unseen; leaving there (Ctrl-C, or Ctrl-D: end of input) ends
    the demo without a traceback and with the terminal showing what is typed again."""
    term = PtyRegbot(tmp_path, "demo")
    try:
        term.read_until(r"6\. English")
        for line in (
            *("1", "1", "Nguyen Van An", "17/05/1990", "001090012345", "0912 345 678"),
            *("1", "1"),
        ):
            term.type(line)
        term.type(term.read_until(r"\[SMS \+84912345678\] .*?(\d{6})").group(1))
        term.read_until(r"Đặt mật khẩu.*\n.*\n> ")
        assert not term.echoes()  # the password is not shown as it is typed
        term.keys(keys)
        assert term.wait() == 0
        assert term.echoes()
        assert "Traceback" not in term.seen and "Hoa-Sen" not in term.seen
    finally:
        term.close()


async def test_the_demo_stays_embedded_when_the_shell_has_the_service_s_settings(tmp_path):
    """A shell that exports `regbot serve`'s settings (a database, Redis, a real SMS
    gateway, a bot token): the demo uses none of them - its codes still appear as [SMS]
    lines, nothing goes to the gateway, no invented account lands in that database."""
    async with demo(
        tmp_path,
        DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/accounts",
        REDIS_URL="redis://127.0.0.1:1/0",
        SMS_URL="http://127.0.0.1:1/sms",
        CARRIER_URL="http://127.0.0.1:1/carrier",
        TELEGRAM_BOT_TOKEN="123456:not-a-real-token",
        REGBOT_PUBLIC_URL="https://dichvucong.example",
    ) as term:
        await term.read_until(r"1\. Công dân")
        await register_an(term, r"Đăng ký thành công")
        await term.type("/thoat")
        assert await asyncio.wait_for(term.proc.wait(), 15) == 0


async def test_a_person_who_asks_for_a_language_there_is_not_is_told_which_there_are(tmp_path):
    async with demo(tmp_path) as term:
        await term.type("1")
        await term.read_until(r"Chọn phương thức đăng ký cho Công dân")
        for wish in ("/lang fr", "/lang"):
            await term.type(wish)
            await term.read_until(r"Chỉ có tiếng Việt \(/lang vi\) và tiếng Anh \(/lang en\)\.")
            await term.read_until(r"Chọn phương thức đăng ký cho Công dân")  # the same screen
        await term.type("/lang en")
        await term.read_until(r"Choose how to register")


def test_a_demo_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path):
    """`regbot demo | head -3`: once the reader has gone, the demo ends without a
    traceback on the terminal."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--data-dir", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert demo.stdout is not None and demo.stdin is not None
        assert "Dữ liệu mẫu" in demo.stdout.readline().decode()
        demo.stdout.close()  # the reader stops here
        demo.stdin.write(b"1\n")
        demo.stdin.close()
        demo.wait(30)
        assert demo.returncode != 0  # the output did not all arrive
        assert "Traceback" not in demo.stderr.read().decode()  # type: ignore[union-attr]
    finally:
        if demo.poll() is None:
            demo.kill()


@pytest.mark.parametrize("command", [("demo",), ("serve", "--port", "18931"), ("agents", "list")])
def test_a_newcomer_whose_data_directory_cannot_be_made_is_told_which_and_how_to_choose(
    tmp_path, command
):
    """A data directory where none can be made (a path under a file, a read-only place,
    a ./data a container made as root): one line naming it and the setting, exit 2."""
    (tmp_path / "file").write_text("not a directory")
    where = tmp_path / "file" / "data"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *command, "--data-dir", str(where)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        f"cannot use {where}" in result.stderr and "--data-dir or REGBOT_DATA_DIR" in result.stderr
    )
    assert "Traceback" not in result.stderr
