"""The replay: a story told on one channel, its output recorded or compared."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.support.telegram_api import TelegramApi
from tests.transcripts.channels import Driver, Telegram, Terminal, Ussd
from tests.transcripts.story import (
    OTP_IN_SMS,
    SIGNING_LINK,
    Masks,
    Story,
    StoryError,
    describe,
    difference,
    substitute,
)
from tests.transcripts.world import World, running_world

UPDATE_HINT = "`pytest tests/transcripts --update-transcripts` records it; review the diff"


async def check(story: Story, channel: str, data_dir: Path, *, update: bool) -> None:
    """Replay `story` on `channel`: fail on a fixture it never used, then record the
    output (`update`) or fail with a diff when it is not what the file recorded."""
    usb = bool(story.fixtures.get("usb_tokens"))
    async with told_over(channel, story.caller, data_dir, usb=usb) as (world, driver):
        await world.load(story.fixtures)
        output = await replay(story, channel, world, driver)
        unused = await world.unused(story.fixtures)
    if unused:
        pytest.fail(f"{story.path.name} over {channel} loads fixtures it never uses: {unused}")
    if update:
        story.rewrite(channel, output)
        return
    expected = story.expected(channel)
    if expected is None:
        pytest.fail(f"{story.path.name} has no recorded output for {channel}: {UPDATE_HINT}")
    if expected != output:
        pytest.fail(
            f"{story.path.name} over {channel} is not what was recorded (if the change is "
            f"meant, {UPDATE_HINT}):\n{difference(story, channel, output)}",
            pytrace=False,
        )


async def replay(story: Story, channel: str, world: World, driver: Driver) -> dict[str, Any]:
    """Tell the story; one record per thing the channel received, with the SMS it caused."""
    masks, records, sms_seen = Masks(), [], 0
    masks.learn("<certificate expiry>", *world.certificate_expiry)
    sims = [sim["phone"] for sim in story.fixtures.get("signing_sims", [])]

    async def note(record: dict[str, Any], default_input: str) -> None:
        nonlocal sms_seen
        outbox = await world.outbox()
        sent, sms_seen = outbox[sms_seen:], len(outbox)
        for sms in sent:
            masks.learn_sms(sms["text"])
        record = {"input": record.pop("input", default_input), **record}
        if sent:
            record["sms"] = sent
        # a code shown while its signature request waits is random (it hashes a nonce)
        records.append(substitute(record, await world.pending_codes(sims), "<code>"))

    for record in await driver.open(story.lang):
        await note(record, f"start ({story.lang})")
    for step in story.inputs:
        if channel not in step.get("channels", (channel,)):
            continue  # e.g. USSD's "send the link by SMS": other channels show the link
        text = describe(step)
        if "type" in step:
            done = [await driver.type(step["type"])]
        elif "pick" in step:
            done = await driver.pick(step["pick"])
        elif "otp" in step:
            done = [await driver.type(await last_code(world, step["otp"]))]
        elif "command" in step:
            done = [await driver.command(step["command"])]
        else:  # a SIM answers on the phone, or a USB token signs the link shown or sent
            if "sim" in step:
                answer = {"action": step.get("answer", "approve"), "pin": step.get("pin", "")}
                await world.answer_on_phone(step["sim"], answer)
            else:
                await world.sign_link(last_link(records), step["usb"])
            if driver.can_push:
                done = [await driver.pushed()]
            else:
                text += f", then pick: {step['check']}"
                done = await driver.pick(step["check"])
        for record in done:
            await note(record, text)
    for record in await driver.finish():
        await note(record, "read the rest")
    return {"steps": masks.apply(records), "accounts": await world.accounts()}


def last_link(records: list[dict[str, Any]]) -> str:
    """The signing link the person was last shown or sent."""
    for record in reversed(records):
        found = SIGNING_LINK.findall(json.dumps(record, ensure_ascii=False))
        if found:
            return str(found[-1])
    raise StoryError("no signing link on a screen or in an SMS so far")


async def last_code(world: World, phone: str) -> str:
    texts = [sms["text"] for sms in await world.outbox() if sms["to"] == phone]
    codes = OTP_IN_SMS.findall(texts[-1]) if texts else []
    if len(codes) != 1:
        raise StoryError(f"no single code in the last SMS to {phone}: {texts[-1:]}")
    return str(codes[0])


@asynccontextmanager
async def told_over(
    channel: str, caller: str, data_dir: Path, *, usb: bool = False
) -> AsyncIterator[tuple[World, Driver]]:
    """A fresh regbot and the person's driver on `channel` (trusting the test PKI when
    the person holds `usb` tokens)."""
    if channel == "telegram":
        api = TelegramApi()
        server = TestServer(api.app(), host="127.0.0.1")
        await server.start_server()
        try:
            async with running_world(
                data_dir,
                usb_tokens=usb,
                telegram_bot_token="123456:TRANSCRIPT-token",
                telegram_api_url=str(server.make_url("/bot")),
                telegram_webhook_url="https://regbot.example/telegram",
            ) as world:
                yield world, Telegram(world, api)
        finally:
            await server.close()
        return
    async with running_world(data_dir, usb_tokens=usb) as world:
        driver: Terminal | Ussd = Terminal(world) if channel == "terminal" else Ussd(world, caller)
        try:
            yield world, driver
        finally:
            await driver.close()
