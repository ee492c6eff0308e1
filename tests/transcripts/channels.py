"""The person, on each channel, through its public surface: the terminal chat (`Console`
with its input and output), USSD (`POST /ussd`, Africa's Talking form) and Telegram
(updates to `POST /telegram`, replies read from the Bot API emulator).

Each driver turns a story's input into what that channel receives (a pick becomes the
option's number, or the button's callback) and returns records of what was sent and
what the person then saw, as the channel shows it."""

from __future__ import annotations

import asyncio
import io
import itertools
import queue
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, Final, Protocol

from bot.channels.console.chat import CHANNEL as CONSOLE
from bot.channels.console.chat import Console
from bot.channels.telegram.channel import SECRET_HEADER
from tests.support.telegram_api import SentMessage, TelegramApi, text_update
from tests.transcripts.story import StoryError, find_option
from tests.transcripts.world import World

Record = dict[str, Any]
PUSH_WAIT: Final = 10.0  # seconds; the SIM waiter polls the signing service every second
USSD_SCREEN: Final = 182
SERVICE_CODE: Final = "*123#"


class Driver(Protocol):
    can_push: bool

    async def open(self, lang: str) -> list[Record]: ...

    async def type(self, text: str) -> Record: ...

    async def pick(self, label: str) -> list[Record]: ...

    async def command(self, name: str) -> Record: ...

    async def pushed(self) -> Record: ...

    async def finish(self) -> list[Record]: ...

    async def close(self) -> None: ...


async def _until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PUSH_WAIT
    while not ready():
        if time.monotonic() > deadline:
            raise StoryError(f"nothing came within {PUSH_WAIT:.0f} s: {what}")
        await asyncio.sleep(0.02)


class Terminal:
    """`regbot demo`'s chat: lines in, printed lines out; pushes print by themselves."""

    can_push = True
    KEYS: Final = {"back": "0", "home": "00", "help": "?"}

    def __init__(self, world: World) -> None:
        self._runtime = world.runtime
        self._out = io.StringIO()
        self._lines: queue.Queue[str] = queue.Queue()
        self._waiting = asyncio.Event()
        self._mark = 0
        self._lang = "vi"
        self._screen: list[str] = []
        self._task: asyncio.Task[None] | None = None

    async def open(self, lang: str) -> list[Record]:
        self._lang = lang
        console = Console(self._runtime.engine, self._runtime.translator, lang=lang, out=self._out)
        self._runtime.pushes.register(CONSOLE, console.push)
        loop = asyncio.get_running_loop()

        def read_line() -> str:  # Console.run reads in a thread: it waits for input again
            loop.call_soon_threadsafe(self._waiting.set)
            return self._lines.get()

        self._task = asyncio.create_task(console.run(read_line))
        await self._idle()
        return [{"screen": self._shown()}]

    async def _idle(self) -> None:
        await asyncio.wait_for(self._waiting.wait(), PUSH_WAIT)
        self._waiting.clear()

    def _shown(self) -> list[str]:
        text = self._out.getvalue()
        lines = text[self._mark :].strip("\n").split("\n")
        self._mark = len(text)
        self._screen = lines
        return lines

    async def _line(self, line: str, sent: str | None = None) -> Record:
        self._lines.put(line + "\n")
        await self._idle()
        return {"sent": line if sent is None else sent, "screen": self._shown()}

    async def type(self, text: str) -> Record:
        return await self._line(text)

    async def pick(self, label: str) -> list[Record]:
        options = [
            (found.group(1), found.group(2))
            for found in (re.match(r"(\d+)\. (.+)", line) for line in self._screen)
            if found
        ]
        number = find_option(options, label)
        if number is None:
            raise StoryError(f"no option {label!r} on the terminal:\n" + "\n".join(self._screen))
        return [await self._line(number)]

    async def command(self, name: str) -> Record:
        cancel = "/huy" if self._lang == "vi" else "/cancel"
        return await self._line(self.KEYS.get(name, cancel))

    async def pushed(self) -> Record:
        await _until(lambda: len(self._out.getvalue()) > self._mark, "the terminal's push")
        return {"pushed": True, "screen": self._shown()}

    async def finish(self) -> list[Record]:
        return []

    async def close(self) -> None:
        self._lines.put("")  # end of input ends the chat (and frees the reading thread)
        if self._task is not None:
            await asyncio.wait_for(self._task, PUSH_WAIT)


class Ussd:
    """A feature phone on the gateway: cumulative `text`, `99` for the next page."""

    can_push = False
    KEYS: Final = {"back": "0", "home": "00"}

    def __init__(self, world: World, caller: str) -> None:
        self._world = world
        self._client = world.client
        self._caller = caller
        self._session = ""
        self._inputs: list[str] = []
        self._screen: list[str] = []

    async def _request(self, sent: str) -> Record:
        response = await self._client.post(
            "/ussd",
            data={
                "sessionId": self._session,
                "serviceCode": SERVICE_CODE,
                "phoneNumber": self._caller,
                "text": "*".join(self._inputs),
            },
        )
        body = await response.text()
        if response.status != 200 or not body.startswith(("CON ", "END ")):
            raise StoryError(f"USSD answered {response.status}: {body}")
        if len(body) > USSD_SCREEN or not body.isascii():
            raise StoryError(f"not a USSD screen (182 ASCII characters at most):\n{body}")
        self._screen = body.split("\n")
        return {"sent": sent, "screen": self._screen}

    async def _press(self, text: str) -> Record:
        self._inputs.append(text)
        return await self._request(text)

    async def open(self, lang: str) -> list[Record]:
        records = [await self.open_session(f"dial {SERVICE_CODE}")]
        if lang == "en":  # a feature phone starts in Vietnamese; English is an option
            records += [
                {**record, "input": "switch to English"} for record in await self.pick("English")
            ]
        return records

    async def type(self, text: str) -> Record:
        return await self._press(text)

    def _options(self) -> list[tuple[str, str]]:
        return [
            (found.group(1), found.group(2))
            for found in (re.match(r"(?:CON |END )?(\d+) (.+)", line) for line in self._screen)
            if found
        ]

    async def _call_again(self, label: str) -> list[Record]:
        """The call was ended mid-dialog (a SIM confirms only once the line is free): the
        person dials again, continues where they left off, and types the code sent by SMS
        that proves the phone on a new call."""
        records = [await self.open_session(f"call again: dial {SERVICE_CODE}")]
        if find_option(self._options(), label) is None:
            resume = find_option(self._options(), "Tiep tuc") or find_option(
                self._options(), "Continue"
            )
            if resume is not None:
                records.append({**await self._press(resume), "input": "continue where I was"})
        if any(
            "(de chac chan dung la ban)" in line or "(to make sure it is you)" in line
            for line in self._screen
        ):  # a new call proves the phone with a code by SMS
            texts = [sms["text"] for sms in await self._world.outbox() if sms["to"] == self._caller]
            code = re.findall(r"\b\d{6}\b", texts[-1])[0]
            records.append({**await self._press(code), "input": "the code sent by SMS"})
        return records

    async def open_session(self, sent: str) -> Record:
        self._session, self._inputs = f"ATUid_{uuid.uuid4().hex}", []
        return await self._request(sent)

    async def pick(self, label: str) -> list[Record]:
        pages: list[Record] = []
        if self._screen and self._screen[0].startswith("END "):
            pages += await self._call_again(label)
            if find_option(self._options(), label) is None:
                return pages  # "continue" already did what the option would
        while True:
            options = self._options()
            number = find_option(options, label)
            if number is not None:
                return [*pages, await self._press(number)]
            if not self._more() or len(pages) > 10:
                raise StoryError(
                    f"no option {label!r} on the USSD screen:\n" + "\n".join(self._screen)
                )
            pages.append({**await self._press("99"), "input": "read the next page"})

    def _more(self) -> bool:
        return bool(self._screen) and self._screen[-1].startswith("99 ")

    async def command(self, name: str) -> Record:
        if name not in self.KEYS:
            raise StoryError(f"USSD has no {name!r}: leave ussd out of the story's channels")
        return await self._press(self.KEYS[name])

    async def pushed(self) -> Record:
        raise StoryError("USSD cannot push")

    async def finish(self) -> list[Record]:
        """The person reads the rest of the last screen."""
        pages: list[Record] = []
        while self._more() and len(pages) < 10:
            pages.append({**await self._press("99"), "input": "read the next page"})
        return pages

    async def close(self) -> None:
        pass


class Telegram:
    """A private chat: updates posted as Telegram would, messages read from the emulator."""

    can_push = True
    CHAT: Final = 700001
    BUTTONS: Final = {"back": "nav:back", "help": "nav:help", "cancel": "nav:cancel"}

    def __init__(self, world: World, api: TelegramApi) -> None:
        self._client = world.client
        self._api = api
        self._secret = world.runtime.keys.token_for("telegram-webhook")
        self._lang = "vi"
        self._ids = itertools.count(1)
        self._seen = 0

    def _shown(self) -> list[dict[str, Any]]:
        sent = self._api.to(self.CHAT)
        new, self._seen = sent[self._seen :], len(sent)
        return [
            {
                "text": message.text.split("\n"),
                "buttons": [
                    " | ".join(button["text"] for button in row) for row in message.buttons
                ],
            }
            for message in new
        ]

    async def _post(self, update: dict[str, Any], sent: str) -> Record:
        response = await self._client.post(
            "/telegram", json=update, headers={SECRET_HEADER: self._secret}
        )
        if response.status != 200:
            raise StoryError(f"/telegram answered {response.status}: {await response.text()}")
        return {"sent": sent, "screen": self._shown()}

    async def open(self, lang: str) -> list[Record]:
        self._lang = lang
        return [await self.type("/start")]

    async def type(self, text: str) -> Record:
        message_id = next(self._ids)
        update = text_update(self.CHAT, text, message_id=message_id, language=self._lang)
        record = await self._post(update, f"text {text}")
        if (self.CHAT, message_id) in self._api.deleted:  # a secret leaves the chat's history
            return {"sent": record["sent"], "deleted": True, "screen": record["screen"]}
        return record

    def _keyboard(self) -> list[tuple[str, str]]:
        with_buttons = [m for m in self._api.to(self.CHAT) if m.buttons]
        last: SentMessage | None = with_buttons[-1] if with_buttons else None
        rows = last.buttons if last else []
        return [(button["callback_data"], button["text"]) for row in rows for button in row]

    async def _press(self, data: str) -> Record:
        if data not in {key for key, _ in self._keyboard()}:
            raise StoryError(f"no button {data!r} in the chat: {self._keyboard()}")
        # pressed on the newest screen, as a person does (older keyboards are gone)
        return await self._post(self._api.press(self.CHAT, data, self._lang), f"button {data}")

    async def pick(self, label: str) -> list[Record]:
        data = find_option(self._keyboard(), label)
        if data is None:
            raise StoryError(f"no button {label!r} in the chat: {self._keyboard()}")
        return [await self._press(data)]

    async def command(self, name: str) -> Record:
        if name == "home":
            return await self.type("/start")
        return await self._press(self.BUTTONS[name])

    async def pushed(self) -> Record:
        await _until(lambda: len(self._api.to(self.CHAT)) > self._seen, "the Telegram push")
        return {"pushed": True, "screen": self._shown()}

    async def finish(self) -> list[Record]:
        return []

    async def close(self) -> None:
        pass
