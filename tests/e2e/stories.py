"""The people of the end-to-end stories and the ways they go, shared by every test file:
a test file imports what it shares from here, never from another test file.

Options are picked by their label, as the person reads it on the screen (`option`,
`BotHarness.pick`) or by their key (`choose`), never by their position."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient

from bot.accounts.model import AccountKind, IdType, NewAccount
from bot.engine.messages import Action
from bot.passwords import FAST_COST, PasswordHasher
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness
from tests.e2e.signing_world import SigningWorld
from tests.support.evidence import evidence_for

ROOT = Path(__file__).resolve().parents[2]

# --- Reading a screen --------------------------------------------------------------------


def text_of(screen: list[str]) -> str:
    """A chat screen (its lines) as one text."""
    return "\n".join(screen)


def option(screen: list[str] | str, *labels: str) -> str:
    """The number to type for the option whose label contains one of `labels` (the same
    option in each language the test may see it in).

    A chat screen is a list of lines, its options `N. label`; a USSD screen is one text,
    its options `N label`."""
    if isinstance(screen, str):
        for label in labels:
            found = re.search(rf"^(\d+) [^\n]*{re.escape(label)}", screen, re.MULTILINE)
            if found:
                return found.group(1)
        raise AssertionError(f"no option {labels!r} on:\n{screen}")
    for line in screen:
        if line[:1].isdigit() and any(label in line for label in labels):
            return line.split(".")[0]
    raise AssertionError(f"no option {labels!r} on:\n{text_of(screen)}")


async def choose(bot: BotHarness, user: str, key: str) -> list[str]:
    """Tap the option (button) whose key is `key`, as a channel with buttons sends it."""
    return bot.screen(await bot.send(user, action=Action.CHOOSE, choice=key))


# --- Nguyễn Văn An, registering by mobile subscriber in a chat -----------------------------
# The simulators' carrier register has An as the owner of 0912 345 678.

AN = {"name": "Nguyen Van An", "dob": "17/05/1990", "id": "001090012345", "phone": "0912 345 678"}
AN_ID, AN_PHONE, AN_TYPED_PHONE = "001090012345", "+84912345678", "0912 345 678"
PASSWORD = "Hoa-Sen#2024"  # the password of An's account in the chat stories


async def fill_mobile_details(
    bot: BotHarness, user: str, person: dict[str, str] = AN, lang: str | None = None
) -> list[str]:
    """From the first screen to the summary: citizen -> mobile -> details -> skip email."""
    first = await bot.say(user, lang=lang)
    methods = await bot.say(user, option(first, "Công dân", "Citizen"))
    await bot.say(user, option(methods, "Thuê bao di động", "Mobile subscriber"))
    await bot.say(user, person["name"])
    await bot.say(user, person["dob"])
    await bot.say(user, person["id"])
    email = await bot.say(user, person["phone"])
    return await bot.say(user, option(email, "Bỏ qua", "Skip"))  # no email -> summary


async def register_by_mobile(bot: BotHarness, user: str, password: str = PASSWORD) -> list[str]:
    """An, from the first screen to his account (the screen that says so)."""
    summary = await fill_mobile_details(bot, user)
    await bot.say(user, option(summary, "Xác nhận", "Confirm"))  # -> OTP sent
    await bot.say(user, await bot.last_code(AN_PHONE))
    await bot.say(user, password)
    return await bot.say(user, password)


# --- An's account, and "Quên mật khẩu" -----------------------------------------------------

HASHER = PasswordHasher(FAST_COST)  # any argon2id cost verifies any other's hashes


async def open_account(bot: BotHarness, **fields: object) -> int:
    """An's level-2 account straight in the database (password `PASSWORD`); `fields`
    change any of it."""
    defaults: dict[str, object] = {
        "kind": AccountKind.CITIZEN,
        "id_type": IdType.CCCD,
        "id_number": AN_ID,
        "full_name": "Nguyễn Văn An",
        "verification_level": 2,
        "method": "mobile",
        "phone": AN_PHONE,
        "password_hash": HASHER.hash(PASSWORD),
    }
    account = NewAccount(**{**defaults, **fields})  # type: ignore[arg-type]
    created = await bot.accounts.create(account, evidence_for(account, bot.app[RUNTIME].keys))
    return created.id


async def ask_for_code(
    bot: BotHarness, user: str, id_number: str, phone: str, kind: str = "Công dân"
) -> list[str]:
    """First screen -> "Quên mật khẩu" -> `kind` ("Công dân" or "Doanh nghiệp") -> ID -> phone."""
    kinds = await bot.say(user, option(await bot.say(user), "Quên mật khẩu"))
    await bot.say(user, option(kinds, kind))
    await bot.say(user, id_number)
    return await bot.say(user, phone)


# --- An's signing SIM (the MSSP simulator's control API is his phone) ----------------------

PIN = "2468"
MST = "0100109106"  # the tax code of Công ty TNHH Hoa Sen, on a business's signing SIM


async def issue_sim(bot: BotHarness, **owner: str) -> None:
    """The carrier issues An a signing SIM for 0912 345 678; `owner`: its certificate's."""
    body = {"phone": AN_PHONE, "full_name": "Nguyễn Văn An", "pin": PIN, **owner}
    assert await bot.sim_post("/sim/mssp/sims", body) == 201


async def pending(bot: BotHarness) -> list[dict[str, str]]:
    """The signature requests waiting on An's phone."""
    response = await bot.client.get("/sim/mssp/pending", params={"phone": AN_PHONE})
    assert response.status == 200
    return list(await response.json())


async def answer_on_phone(bot: BotHarness, body: dict[str, str]) -> int:
    """An answers the one request on his phone (approve with a PIN, or refuse)."""
    requests = await pending(bot)
    assert len(requests) == 1, requests
    return int(await bot.sim_post(f"/sim/mssp/pending/{requests[0]['session_id']}", body))


async def ask_signature(bot: BotHarness, user: str, kind: str = "citizen") -> str:
    """First screen -> kind -> Sim ký số -> phone number: the waiting screen."""
    await bot.send(user)
    await choose(bot, user, kind)
    await choose(bot, user, "sim")
    return "\n".join(await bot.say(user, AN_TYPED_PHONE))


# --- Đỗ Quang Huy, registering by his social-insurance (BHXH) code in a chat ---------------
# The simulators' BHXH register has Huy's record, with his phone; he types without accents.

HUY = {"code": "0123456789", "name": "do quang huy", "dob": "30/08/1992"}
HUY_ID, HUY_PHONE = "031092005566", "+84903123456"
AN_BHXH = {"code": "0190123456", "name": "Nguyễn Văn An", "dob": "17/05/1990"}  # An's record


async def type_bhxh_code(bot: BotHarness, user: str, code: str) -> list[str]:
    """From the first screen: citizen -> BHXH -> the code."""
    first = await bot.say(user)
    methods = await bot.say(user, option(first, "Công dân"))
    await bot.say(user, option(methods, "mã số BHXH"))
    return await bot.say(user, code)


async def fill_bhxh_details(bot: BotHarness, user: str, person: dict[str, str]) -> list[str]:
    """From the first screen to the summary: citizen -> BHXH -> details -> skip email."""
    first = await bot.say(user)
    kinds = await bot.say(user, option(first, "Công dân"))
    methods = await bot.say(user, option(kinds, "mã số BHXH"))
    assert "mã số BHXH" in text_of(methods)
    await bot.say(user, person["code"])
    await bot.say(user, person["name"])
    email = await bot.say(user, person["dob"])
    return await bot.say(user, option(email, "Bỏ qua"))  # no email -> summary


async def confirm_bhxh(bot: BotHarness, user: str, person: dict[str, str]) -> list[str]:
    """The details, then "Xác nhận": the screen after the check against the register."""
    summary = await fill_bhxh_details(bot, user, person)
    return await bot.say(user, option(summary, "Xác nhận"))


async def register_by_bhxh(
    bot: BotHarness, user: str, person: dict[str, str], phone: str
) -> list[str]:
    """From the first screen to the account, the code read from the SMS to `phone`."""
    await confirm_bhxh(bot, user, person)
    await bot.say(user, await bot.last_code(phone))
    await bot.say(user, PASSWORD)
    return await bot.say(user, PASSWORD)


# --- An on a feature phone, through a USSD gateway (`POST /ussd`) --------------------------
# Screens are ASCII, options `N label`; every input of a session is sent again, `*`-joined.

AN_USSD = {"name": "Nguyen Van An", "born": "17/05/1990", "id": AN_ID, "phone": AN_PHONE}
USSD_PASSWORD = "Sao*Mai#2024"  # a `*` inside: the gateway's separator
CALLER = AN_PHONE  # the number a gateway says is calling


class Handset:
    """A feature phone on a USSD gateway: cumulative `text`, a new sessionId per dial."""

    def __init__(self, client: TestClient, number: str, **extra: str) -> None:
        self.client = client
        self.number = number
        self.extra = extra
        self.session = ""
        self.inputs: list[str] = []
        self.screens: list[str] = []

    async def dial(self) -> str:
        self.session = f"ATUid_{uuid.uuid4().hex}"
        self.inputs = []
        return await self.again()

    async def press(self, text: str) -> str:
        self.inputs.append(text)
        return await self.again()

    async def again(self) -> str:
        """Send the last request once more, as a gateway retry does."""
        status, body = await self.post(
            sessionId=self.session,
            serviceCode="*123#",
            phoneNumber=self.number,
            text="*".join(self.inputs),
        )
        assert status == 200, body
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= 182 and body.isascii(), body
        self.screens.append(body)
        return body

    async def post(self, **form: str) -> tuple[int, str]:
        response = await self.client.post("/ussd", data={**form, **self.extra})
        assert response.content_type == "text/plain"
        return response.status, await response.text()


async def sms_codes(bot: BotHarness, to: str) -> list[str]:
    """The 6-digit codes of every SMS to `to`, oldest first."""
    return [re.findall(r"\b\d{6}\b", text)[0] for text in await bot.sms_to(to)]


async def dial_to_the_name_step(phone: Handset) -> str:
    """Dial -> citizen -> mobile: the screen asking for the full name."""
    screen = await phone.dial()
    screen = await phone.press(option(screen, "Cong dan"))
    screen = await phone.press(option(screen, "Thue bao di dong"))
    assert "ho va ten" in screen
    return screen


async def register_up_to_summary(phone: Handset, person: dict[str, str]) -> str:
    """Dial -> citizen -> mobile -> details -> "use my number" -> no email: the summary."""
    await dial_to_the_name_step(phone)
    await phone.press(person["name"])
    await phone.press(person["born"])
    screen = await phone.press(person["id"])
    assert "Dung so 09*****678" in screen  # the caller's own number is offered
    screen = await phone.press(option(screen, "Dung so"))
    return await phone.press(option(screen, "Bo qua"))  # no email


# --- An on a feature phone, at level 3 (the signing world's regbot and CAs) ---------------


class Dial:
    """One USSD session as the gateway sends it: every input so far, joined with `*`."""

    def __init__(self, world: SigningWorld, session: str) -> None:
        self.world, self.session = world, session
        self.inputs: list[str] = []
        self.screen = ""  # the last screen shown

    async def press(self, *keys: str) -> str:
        for key in keys:
            if key:  # "" is the dial itself
                self.inputs.append(key)
            response = await self.world.bot.client.post(
                "/ussd",
                data={
                    "sessionId": self.session,
                    "serviceCode": "*123#",
                    "phoneNumber": CALLER,
                    "text": "*".join(self.inputs),
                },
            )
            assert response.status == 200
            self.screen = await response.text()
        return self.screen

    async def pick(self, *labels: str) -> str:
        """Press the option of each label in turn, each on the screen the last one showed."""
        for label in labels:
            await self.press(option(self.screen, label))
        return self.screen


async def call_again(world: SigningWorld, session: str) -> tuple[Dial, str]:
    """Dials again after a hang-up: "continue where you left off", then the code sent by
    SMS that proves the phone on a new call; the screen where the dialog goes on."""
    dial = Dial(world, session)
    offer = await dial.press("")
    assert "dang lam do" in offer
    assert "ma OTP" in await dial.press(option(offer, "Tiep tuc"))
    code = re.findall(r"\b\d{6}\b", (await world.bot.sms_to(CALLER))[-1])[0]
    return dial, await dial.press(code)


# --- `regbot serve` as an operator runs it: a real process -------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The operator's environment for `regbot serve`: no service URLs, a data dir of its own."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_URL") and k != "REGBOT_ENV"}
    env.update(
        REGBOT_DATA_DIR=str(tmp_path),
        REGBOT_SECRET_KEY="serve-test-secret-0123456789",
        REGBOT_PASSWORD_HASHING="fast",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


def spawn(env: Mapping[str, str], log_path: Path, port: int, *extra: str) -> Served:
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *extra,
            ],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
    return Served(process, f"http://127.0.0.1:{port}", log_path)


async def start_serve(
    env: Mapping[str, str], log_path: Path, port: int | None = None, *extra: str
) -> Served:
    """Start `regbot serve` and wait until /healthz answers 200."""
    served = spawn(env, log_path, port or free_port(), *extra)
    process = served.process
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            if process.poll() is not None:
                raise AssertionError(f"regbot serve exited:\n{served.log()}")
            try:
                async with http.get(served.url + "/healthz") as response:
                    if response.status == 200:
                        return served
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    stop(served)
    raise AssertionError(f"regbot serve did not become healthy:\n{served.log()}")


def stop(served: Served) -> int:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        return served.process.wait()


def serve_once(env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`regbot serve` that is expected to stop by itself (refused settings)."""
    return regbot_once(env, "serve", "--port", str(free_port()))


def regbot_once(env: Mapping[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """A `regbot` command that is expected to stop by itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


# --- The support console, as an agent's browser uses it -----------------------------------

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class AgentBrowser:
    """An agent's browser on the console: keeps the session cookie, posts every form with
    the CSRF token the page carries and its own origin, as a browser does."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.origin = str(client.make_url("")).rstrip("/")
        self.csrf = ""

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path)
        body = await response.text()
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, body

    async def post(self, path: str, **form: str) -> tuple[int, str, str]:
        """(status, page, the path it ended at) after the redirect a POST answers with."""
        response = await self.client.post(
            path, data={"csrf": self.csrf, **form}, headers={"Origin": self.origin}
        )
        body = await response.text()
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, body, response.url.path

    async def sign_in(self, name: str, password: str = PASSWORD) -> None:
        await self.get("/console/signin")
        status, page, at = await self.post("/console/signin", name=name, password=password)
        assert status == 200 and at == "/console", page

    async def open_caller(self, number: str) -> tuple[str, str]:
        """Search the number a caller gives; (their conversation's path, its page)."""
        await self.get("/console")
        status, page, at = await self.post("/console/search", number=number)
        assert status == 200 and at.startswith("/console/c/"), page
        return at, page
