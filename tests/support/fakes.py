"""In-memory stand-ins for the outside world, for tests that wire regbot through
`bot.bootstrap` with no HTTP and no database (cosmicpython's fakes). mypy checks each
against the port it stands in for."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.accounts.evidence import Evidence, InsufficientEvidence, shortfalls
from bot.accounts.model import Account, AccountKind, DuplicateAccount, NewAccount
from bot.accounts.port import Accounts
from bot.bootstrap import Adapters, Runtime, bootstrap
from bot.config import Settings
from bot.engine.messages import Action, Inbound, Reply
from bot.engine.render import render
from bot.keys import SecretKeys
from bot.passwords import PasswordHasher, PasswordPool
from bot.signing.ports import IdentityCheck
from bot.state.memory import MemoryCounters, MemoryStore
from integrations.carrier import CarrierRegister, Subscriber, SubscriberOwner
from integrations.insured import InsuredPerson, InsuredRegister
from integrations.sms import SmsGateway
from pki_bridge import Verified
from pki_bridge.mssp import MobileSignatureService, SignatureOutcome


@dataclass
class FakeSms:
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, to: str, text: str) -> str:
        self.sent.append((to, text))
        return str(len(self.sent))

    def to(self, phone: str) -> list[str]:
        return [text for to, text in self.sent if to == phone]


@dataclass
class FakeCarrier:
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    lookups: int = 0

    def add(self, phone: str, id_number: str, full_name: str, born: dt.date) -> None:
        owner = SubscriberOwner(id_number, full_name, born)
        self.subscribers[phone] = Subscriber(phone, "Viettel", True, owner)

    async def lookup(self, msisdn: str) -> Subscriber | None:
        self.lookups += 1
        return self.subscribers.get(msisdn)


@dataclass
class FakeInsured:
    people: dict[str, InsuredPerson] = field(default_factory=dict)

    async def lookup(self, bhxh_code: str) -> InsuredPerson | None:
        return self.people.get(bhxh_code)


@dataclass
class FakeMssp:
    """A signature service whose phone never answers unless a test says so."""

    outcomes: dict[str, SignatureOutcome | None] = field(default_factory=dict)
    started: list[tuple[str, bytes]] = field(default_factory=list)

    async def start(self, phone: str, hash_bytes: bytes, display_text: str) -> str:
        self.started.append((phone, hash_bytes))
        session = f"s{len(self.started)}"
        self.outcomes[session] = None
        return session

    async def poll(self, session_id: str) -> SignatureOutcome | None:
        return self.outcomes.get(session_id)


class RefusingCertificates:
    """No certificate is trusted (tests of the engine do not sign)."""

    async def check(self, signer_der: bytes, chain_ders: Sequence[bytes] = ()) -> Verified:
        raise AssertionError("no certificate checks in this test")


class MemoryAccounts:
    """Accounts in a dict, unique per (kind, id_number) as the database's index is, each
    with its evidence, refused as the repository refuses it when it falls short."""

    def __init__(self, keyed_hash: Callable[[str, str], str]) -> None:
        self._rows: dict[tuple[AccountKind, str], Account] = {}
        self._ids = itertools.count(1)
        self._hash = keyed_hash
        self.evidence: dict[int, Evidence] = {}

    async def exists(self, kind: AccountKind, id_number: str) -> bool:
        return (kind, id_number) in self._rows

    async def find(self, kind: AccountKind, id_number: str) -> Account | None:
        return self._rows.get((kind, id_number))

    async def create(self, account: NewAccount, evidence: Evidence) -> Account:
        phone_hash = self._hash("phone", account.phone) if account.phone else None
        if lacking := shortfalls(account, evidence, phone_hash):
            raise InsufficientEvidence("; ".join(lacking))
        key = (account.kind, account.id_number)
        if key in self._rows:
            raise DuplicateAccount
        fields: dict[str, Any] = {
            name: getattr(account, name) for name in NewAccount.__dataclass_fields__
        }
        row = Account(id=next(self._ids), created_at=dt.datetime.now(dt.UTC), **fields)
        self._rows[key] = row
        self.evidence[row.id] = evidence
        return row

    async def set_password(self, account_id: int, password_hash: str) -> None:
        for key, row in self._rows.items():
            if row.id == account_id:
                self._rows[key] = replace(row, password_hash=password_hash)

    async def ping(self) -> bool:
        return True


# every fake fits its port, as mypy checks here
_sms: type[SmsGateway] = FakeSms
_carrier: type[CarrierRegister] = FakeCarrier
_insured: type[InsuredRegister] = FakeInsured
_mssp: type[MobileSignatureService] = FakeMssp
_checks: type[IdentityCheck] = RefusingCertificates
_accounts: type[Accounts] = MemoryAccounts


@dataclass
class FakeWorld:
    """regbot wired with fakes: talk to it as a channel would, look at what the fakes hold."""

    runtime: Runtime
    sms: FakeSms
    carrier: FakeCarrier
    insured: FakeInsured
    mssp: FakeMssp
    accounts: MemoryAccounts
    store: MemoryStore
    channel: str = "test"
    last: dict[str, Reply] = field(default_factory=dict)

    async def send(self, user: str, text: str = "", action: Action = Action.TEXT) -> Reply:
        reply = await self.runtime.engine.handle(Inbound(self.channel, user, text, action))
        self.last[user] = reply
        return reply

    async def say(self, user: str, text: str = "", action: Action = Action.TEXT) -> str:
        """What the person reads after typing `text`: texts, then `N. option` lines."""
        shown = render(await self.send(user, text, action), self.runtime.translator)
        options = (f"{n}. {label}" for n, (_, label) in enumerate(shown.options, start=1))
        return "\n".join([*shown.texts, *options])

    async def pick(self, user: str, label: str) -> str:
        """Press the option whose label contains `label` (never by position)."""
        reply = self.last[user]
        shown = render(reply, self.runtime.translator)
        numbers = [n for n, (_, text) in enumerate(shown.options, start=1) if label in text]
        assert len(numbers) == 1, f"{label!r} is not exactly one of {shown.options}"
        return await self.say(user, str(numbers[0]))

    def step(self, user: str) -> str:
        return self.last[user].step


def fake_world(tmp_path: Path | None = None, **overrides: Any) -> FakeWorld:
    """regbot through `bootstrap`, every adapter a fake; `overrides` go to Settings."""
    settings = Settings(
        data_dir=tmp_path or Path("/nonexistent"),
        password_hashing="fast",
        secret_key="unit-test-secret-0123456789",
        **overrides,
    )
    keys = SecretKeys.from_secret(settings.secret_key or "")
    sms, carrier, insured, mssp = FakeSms(), FakeCarrier(), FakeInsured(), FakeMssp()
    accounts, store = MemoryAccounts(keys.identity_hash), MemoryStore()
    adapters = Adapters(
        store=store,
        counters=MemoryCounters(),
        accounts=accounts,
        sms=sms,
        carrier=carrier,
        insured=insured,
        mssp=mssp,
        public_certificates=RefusingCertificates(),
        gov_certificates=RefusingCertificates(),
        passwords=PasswordPool(
            PasswordHasher(settings.password_cost),
            confirmation_key=keys.token_for("password confirmation").encode(),
        ),
    )
    runtime = bootstrap(
        settings,
        adapters,
        keys=keys,
        public_url="https://dichvucong.example",
    )
    return FakeWorld(runtime, sms, carrier, insured, mssp, accounts, store)


AN_PHONE = "+84912345678"
AN_ID = "001090012345"


def world_with_an() -> FakeWorld:
    """The fakes, with Nguyễn Văn An a registered subscriber of his phone."""
    world = fake_world()
    world.carrier.add(AN_PHONE, AN_ID, "Nguyễn Văn An", dt.date(1990, 5, 17))
    return world


async def at_summary(world: FakeWorld, user: str) -> str:
    """An, from the first screen to the summary of a registration by mobile subscriber."""
    await world.say(user)
    await world.pick(user, "Công dân")
    await world.pick(user, "Thuê bao di động")
    for typed in ("Nguyen Van An", "17/05/1990", AN_ID, "0912 345 678"):
        await world.say(user, typed)
    return await world.say(user, "")  # no email
