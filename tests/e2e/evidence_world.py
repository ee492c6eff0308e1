"""The world of the evidence stories: the signing world (regbot with every simulator, a test
PKI on its own CA server), a way to register by each method through the dialogs, the
`regbot accounts` command as an auditor runs it, and an insider who edits the database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.accounts import sealing
from bot.accounts.model import AccountKind
from bot.accounts.records import AccountRecord, AccountRecords
from bot.accounts.repository import make_engine
from bot.cli import main
from bot.keys import SecretKeys
from bot.web.app import RUNTIME
from pki_bridge.testing.authority import subject_name
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import BRANCH_MST, BUSINESS_MST, OFFICIAL_CCCD
from tests.e2e.signing_world import SigningWorld
from tests.e2e.stories import (
    HUY,
    HUY_PHONE,
    PIN,
    answer_on_phone,
    ask_signature,
    issue_sim,
    register_by_bhxh,
    register_by_mobile,
)

AN_CCCD, AN_PHONE = "001090012345", "+84912345678"  # the mobile subscriber
HUY_CCCD = "031092005566"  # the insured person
HOA_CCCD = "048168001122"  # a citizen with a signing SIM (on AN's number in that story)
LE_CCCD = "001190023456"  # a citizen with a USB token


class Method(StrEnum):
    MOBILE = "mobile"
    BHXH = "bhxh"
    SIM_CITIZEN = "sim-citizen"
    SIM_BUSINESS = "sim-business"
    USB_CITIZEN = "usb-citizen"
    USB_BUSINESS = "usb-business"
    OFFICIAL = "official"


# who registers by each method: (kind, identity number)
REGISTRANTS: dict[Method, tuple[AccountKind, str]] = {
    Method.MOBILE: (AccountKind.CITIZEN, AN_CCCD),
    Method.BHXH: (AccountKind.CITIZEN, HUY_CCCD),
    Method.SIM_CITIZEN: (AccountKind.CITIZEN, HOA_CCCD),
    Method.SIM_BUSINESS: (AccountKind.BUSINESS, BRANCH_MST),
    Method.USB_CITIZEN: (AccountKind.CITIZEN, LE_CCCD),
    Method.USB_BUSINESS: (AccountKind.BUSINESS, BUSINESS_MST),
    Method.OFFICIAL: (AccountKind.OFFICIAL, OFFICIAL_CCCD),
}


async def register(world: SigningWorld, method: Method) -> int:
    """Register through the dialogs as a person would; the new account's id."""
    bot, user = world.bot, str(method)
    if method is Method.MOBILE:
        await register_by_mobile(bot, user)
    elif method is Method.BHXH:
        await register_by_bhxh(bot, user, HUY, HUY_PHONE)
    elif method in (Method.SIM_CITIZEN, Method.SIM_BUSINESS):
        if method is Method.SIM_CITIZEN:
            await issue_sim(bot, id_number=HOA_CCCD, full_name="Phạm Thị Hoa")
        else:
            await issue_sim(bot, tax_code=BRANCH_MST, full_name="Chi nhánh Hoa Sen Hà Nội")
        kind = "citizen" if method is Method.SIM_CITIZEN else "business"
        await ask_signature(bot, user, kind=kind)
        assert await answer_on_phone(bot, {"action": "approve", "pin": PIN}) == 200
        await _finish(world, user, "ketoan@hoasen.vn" if kind == "business" else "1")
    else:
        await _sign_with_a_token(world, method)
    kind, number = REGISTRANTS[method]
    account = await bot.accounts.find(kind, number)
    assert account is not None, f"{method} made no account"
    return account.id


async def _sign_with_a_token(world: SigningWorld, method: Method) -> None:
    user, users = str(method), world.pki.users
    if method is Method.USB_CITIZEN:
        issued = world.pki.issuing.issue(subject_name("Lê Thị Hoa", uid=f"CCCD:{LE_CCCD}"))
        url = await world.get_link(user)
        assert (await sign_url(url, issued_signer(issued), session=world.http))[0] == 200
        email = "1"
    elif method is Method.USB_BUSINESS:  # the raw form, as the Government CA's service posts
        url = await world.get_link(user, kind="business")
        signer = issued_signer(users["business"])
        assert (await sign_url(url, signer, raw=True, session=world.http))[0] == 200
        email = "ketoan@hoasen.vn"
    else:
        url = await world.get_link(user, kind="official", method="official_usb")
        assert (await sign_url(url, issued_signer(users["official"]), session=world.http))[0] == 200
        email = "bich.tt@moj.gov.vn"
    await _finish(world, user, email)


async def _finish(world: SigningWorld, user: str, email: str) -> None:
    """Signature accepted -> email (or "1": skip) -> "Đăng ký"."""
    await world.choose(user, "check")
    await world.bot.say(user, email)
    done = "\n".join(await world.choose(user, "register"))
    assert "Đăng ký thành công" in done, done


@dataclass
class Auditor:
    """Runs `regbot accounts ...` as an auditor would: the settings from the environment
    (the data directory and the key, as `regbot serve` reads them)."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    data_dir: Path
    secret: str

    async def run(self, *argv: str) -> tuple[int, str]:
        self.monkeypatch.delenv("DATABASE_URL", raising=False)
        self.monkeypatch.setenv("REGBOT_DATA_DIR", str(self.data_dir))
        self.monkeypatch.setenv("REGBOT_SECRET_KEY", self.secret)
        self.capsys.readouterr()
        status = await asyncio.to_thread(main, ["accounts", *argv])
        return status, self.capsys.readouterr().out


@dataclass
class Insider:
    """Someone with write access to the accounts database - and, when a story says so,
    regbot's key too (`reseal`), as a dishonest operator would have."""

    path: Path
    keys: SecretKeys

    async def sql(self, statement: str, *params: Any) -> None:
        """In a thread: SQLite's wait for the write lock must not stop the event loop, on
        which regbot's own writer (the conversation recorder) needs to finish first."""

        def write() -> None:
            with closing(sqlite3.connect(self.path)) as db, db:
                db.execute(statement, params)

        await asyncio.to_thread(write)

    async def rows(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        def read() -> list[tuple[Any, ...]]:
            with closing(sqlite3.connect(self.path)) as db:
                return list(db.execute(statement, params))

        return await asyncio.to_thread(read)

    async def record(self, account_id: int) -> AccountRecord:
        engine = make_engine(f"sqlite+aiosqlite:///{self.path}")
        try:
            record = await AccountRecords(engine, self.keys).record(account_id)
        finally:
            await engine.dispose()
        assert record is not None and record.evidence is not None
        return record

    async def edit_document(
        self,
        account_id: int,
        change: Callable[[sealing.Document], sealing.Document],
        *,
        reseal: bool = False,
    ) -> None:
        """Decrypt the document, change it, encrypt it again; with `reseal`, seal it anew."""
        stored = (await self.record(account_id)).evidence
        assert stored is not None and stored.document is not None
        document = msgspec.msgpack.encode(
            change(msgspec.msgpack.decode(stored.document, type=sealing.Document))
        )
        seal = sealing.seal(self.keys.evidence, stored.binding, document) if reseal else stored.seal
        token = self.keys.fields.encrypt(document).decode()
        await self.sql(
            "UPDATE account_evidence SET document_enc = ?, seal = ? WHERE account_id = ?",
            token,
            seal,
            account_id,
        )


@dataclass
class EvidenceWorld:
    signing: SigningWorld
    auditor: Auditor
    insider: Insider

    async def register(self, method: Method) -> int:
        return await register(self.signing, method)

    async def verify(self, *argv: str | int) -> tuple[int, str]:
        return await self.auditor.run("verify", *(str(a) for a in argv))


@pytest.fixture(name="evidence_world")
def evidence_world_fixture(
    signing_world: SigningWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> EvidenceWorld:
    runtime = signing_world.bot.app[RUNTIME]
    settings = runtime.settings
    return EvidenceWorld(
        signing_world,
        Auditor(monkeypatch, capsys, settings.data_dir, settings.secret_key or ""),
        Insider(settings.data_dir / "regbot.sqlite3", runtime.keys),
    )
