"""`regbot demo`: everything embedded (memory state, SQLite, simulators) and a terminal chat."""

from __future__ import annotations

import dataclasses
import socket
import sys
from typing import Final, TextIO

import aiohttp
from aiohttp import web

from bot.channels.console.chat import CHANNEL, Console, printable
from bot.channels.console.phone import DemoPhone
from bot.config import Settings
from bot.i18n import Translator, msg
from bot.web.app import RUNTIME, Wiring, create_app
from integrations.simulators import sample_people
from pki_bridge.testing.testca import build_test_pki, write_test_pki

DEMO_TOKEN_PIN: Final = "1234"


def sample_lines(translator: Translator, lang: str) -> list[str]:
    """The pre-loaded people, so a person trying the demo knows what to type."""
    samples = sample_people()
    lines = [translator.render(msg("demo.samples_title"), lang)]
    for sub in samples.subscribers:
        if sub.owner is None:
            continue
        lines.append(
            translator.render(
                msg(
                    "demo.sample_subscriber",
                    name=sub.owner.full_name,
                    birth_date=sub.owner.date_of_birth.strftime("%d/%m/%Y"),
                    id_number=sub.owner.id_number,
                    phone=sub.msisdn,
                    registered=msg(
                        "demo.owner_registered"
                        if sub.owner_registered
                        else "demo.owner_not_registered"
                    ),
                ),
                lang,
            )
        )
    for person in samples.insured:
        lines.append(
            translator.render(
                msg(
                    "demo.sample_insured",
                    name=person.full_name,
                    bhxh_code=person.bhxh_code,
                    birth_date=person.date_of_birth.strftime("%d/%m/%Y"),
                    phone=person.phone or "-",
                ),
                lang,
            )
        )
    return lines


def embedded(settings: Settings) -> Settings:
    """The demo's settings: everything embedded whatever the shell exports for `regbot
    serve` - a DATABASE_URL or SMS_URL left set would otherwise get invented people's
    accounts and codes (to the sample numbers) from a demo, and a bot token its chats."""
    return dataclasses.replace(
        settings,
        env="development",
        redis_url=None,
        database_url=None,
        system_urls={},
        pki_trust_anchors=None,
        pki_gov_trust_anchors=None,
        telegram_bot_token=None,
        telegram_webhook_url=None,
        zalo_app_id=None,
        public_url=None,
    )


async def run_demo(settings: Settings, lang: str, out: TextIO = sys.stdout) -> None:
    settings = embedded(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    def say(line: str) -> None:
        out.write(printable(line) + "\n")
        out.flush()

    def on_sms(to: str, text: str) -> None:
        say(f"[SMS {to}] {text}")

    self_url = f"http://127.0.0.1:{port}"
    # a test PKI for USB tokens: its CRLs and OCSP are served by the PKI simulator, its .p12
    # files are what `regbot sign LINK --p12 FILE --pin 1234` signs with
    pki = build_test_pki(f"{self_url}/sim/pki")
    pki_dir = settings.data_dir / "pki"
    write_test_pki(pki, pki_dir, passphrase=DEMO_TOKEN_PIN)
    app = create_app(settings, Wiring(self_url=self_url, on_sms=on_sms, samples=True, demo_pki=pki))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        runtime = app[RUNTIME]
        translator = runtime.translator
        for line in sample_lines(translator, lang):
            out.write(line + "\n")
        async with aiohttp.ClientSession() as http:
            phone = DemoPhone(http, f"http://127.0.0.1:{port}/sim/mssp", translator, say)
            await phone.issue_sims()
            for line in phone.sample_lines(lang):
                out.write(line + "\n")
            say(
                translator.render(
                    msg("demo.usb_tokens", users=pki_dir.resolve() / "users", pin=DEMO_TOKEN_PIN),
                    lang,
                )
            )
            console = Console(runtime.engine, translator, lang=lang, out=out, extra=phone)
            runtime.pushes.register(CHANNEL, console.push)  # signatures continue the chat
            await console.run()
    finally:
        await runner.cleanup()
