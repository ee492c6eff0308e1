"""The support desk's tables on SQLite and PostgreSQL: a conversation is found by the
keyed hash of a number it carried, and no phone, ID number or name is in any column in
clear; agents lock after five failed sign-ins, however many run at once; retention
deletes what is past 30 days and keeps the audit log a year."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.accounts.model import AccountsUnavailable
from bot.engine.messages import Reply
from bot.engine.records import Said, TurnRecord, Typed
from bot.i18n import Personal, PersonalKind, Translator, msg
from bot.passwords import HashingBusy, PasswordHasher, UnpooledHashing
from bot.state.keys import KeyBuilder, StateKey
from bot.support.agents import Role, SignIn, SqlAgents
from bot.support.records import Recorder
from bot.support.store import SupportStore
from tests.support.databases import KEYS, Database

AN = [
    Personal("Nguyen Van An", PersonalKind.NAME),
    Personal("001090012345", PersonalKind.ID),
    Personal("+84912345678", PersonalKind.PHONE),
]
# in clear, or even masked: transcript lines are encrypted at rest
CLEAR = ("001090012345", "0912345678", "84912345678", "Nguyen Van An", "Van An", "N. V. A.")
FAST = UnpooledHashing(PasswordHasher("fast"))
TABLES = ("conversations", "conversation_lookups", "conversation_events", "transcript_lines")


def turn(key: str, typed: str, at_step: str, then: str, **extra) -> TurnRecord:
    summary = msg(
        "mobile.summary",
        name="Nguyen Van An",  # in clear, as a summary may write it: the record scrubs it
        birth_date="17/05/1990",
        id_type="CCCD",
        id_number="001*******45",
        phone="09*****678",
        email="-",
    )
    reply = Reply(texts=(summary,))
    return TurnRecord(
        "telegram",
        at_step,
        then,
        "text",
        0.01,
        person=key,
        method="mobile",
        kind="citizen",
        said=Said(
            "777001",
            "vi",
            typed=Typed("text", text=typed, kind=PersonalKind.ID.value),
            shown=reply,
            personal=tuple(AN),
        ),
        **extra,
    )


async def test_a_conversation_is_found_by_a_number_it_carried_and_none_is_kept_in_clear(
    database: Database,
):
    store = SupportStore(database.engine(), KEYS)
    recorder = Recorder(store, Translator.load(), KEYS)
    keys = KeyBuilder(KEYS.tokens)
    key = keys.conversation(StateKey("telegram", "777001"))
    recorder.observe(turn(key, "001090012345", "mobile.id_number", "mobile.phone"))
    recorder.observe(turn(key, "0912345678", "mobile.phone", "mobile.email"))
    await recorder.settle()

    by_phone = await store.find([], [keys.lookup("phone", "+84912345678")])
    by_id = await store.find([], [keys.lookup("id", "001090012345")])
    assert [c.key for c in by_phone] == [key] == [c.key for c in by_id]
    found = by_phone[0]
    assert (found.channel, found.user_id, found.label) == ("telegram", "777001", "+8491****678")
    lines = await store.lines(key)
    assert next(line.text for line in lines if line.role == "person") == "*********345"
    assert "N. V. A." in lines[1].text and "*********345" in lines[1].text
    revealable = next(line for line in lines if line.revealable)
    assert await store.typed_value(key, revealable.id) == ("001090012345", "id")

    async with database.engine().connect() as connection:
        for table in TABLES:
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()
            assert rows, table
            for row in rows:
                for clear in (*CLEAR, "*********345") if table == "transcript_lines" else CLEAR:
                    assert clear not in repr(tuple(row)), (table, clear)


async def test_five_failed_sign_ins_lock_an_agent_for_15_minutes(database: Database):
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    agents = SqlAgents(database.engine(), FAST, clock=lambda: now[0])
    await agents.add("lan", Role.SUPERVISOR, "Hoa-Sen#2024")
    verdicts = [(await agents.sign_in("lan", "Wrong#Pass1"))[0] for _ in range(5)]
    assert verdicts == [SignIn.WRONG] * 4 + [SignIn.LOCKED]
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.STILL_LOCKED
    now[0] += timedelta(minutes=15, seconds=1)
    verdict, agent = await agents.sign_in("lan", "Hoa-Sen#2024")
    assert verdict is SignIn.OK and agent is not None and agent.supervisor
    assert await agents.disable("lan")
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.WRONG
    assert (await agents.sign_in("nobody", "Hoa-Sen#2024"))[0] is SignIn.WRONG


class SlowChecks(PasswordHasher):
    """argon2id at the test cost, each check taking a while (as the real cost does) and
    counted: how many passwords a burst got checked."""

    def __init__(self, seconds: float = 0.05, fails: bool = False) -> None:
        super().__init__("fast")
        self.seconds, self.fails = seconds, fails
        self.checked: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.checked.append(password)
        time.sleep(self.seconds)
        if self.fails:
            raise RuntimeError("the worker died mid-check")
        return super().verify(password_hash, password)


async def test_a_burst_of_parallel_sign_ins_cannot_guess_past_the_lockout(database: Database):
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    hashing = SlowChecks()
    agents = SqlAgents(database.engine(), UnpooledHashing(hashing), clock=lambda: now[0])
    await agents.add("lan", Role.SUPERVISOR, "Hoa-Sen#2024")
    hashing.checked.clear()

    guesses = [f"Guess#{n:04d}x" for n in range(30)]
    verdicts = [v for v, _ in await asyncio.gather(*(agents.sign_in("lan", g) for g in guesses))]

    assert len(hashing.checked) == 5  # five passwords checked, not thirty
    assert verdicts.count(SignIn.LOCKED) == 1
    assert verdicts.count(SignIn.WRONG) == 4 and verdicts.count(SignIn.STILL_LOCKED) == 25
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.STILL_LOCKED
    now[0] += timedelta(minutes=15, seconds=1)
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.OK


async def test_a_sign_in_that_dies_mid_check_leaves_a_lock_that_expires(database: Database):
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    agents = SqlAgents(database.engine(), FAST, clock=lambda: now[0])
    await agents.add("lan", Role.AGENT, "Hoa-Sen#2024")
    for _ in range(4):
        assert (await agents.sign_in("lan", "Wrong#Pass1"))[0] is SignIn.WRONG
    dying = SqlAgents(
        database.engine(), UnpooledHashing(SlowChecks(0, fails=True)), clock=lambda: now[0]
    )
    with pytest.raises(RuntimeError):
        await dying.sign_in("lan", "Wrong#Pass1")  # the 5th attempt, never answered

    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.STILL_LOCKED
    now[0] += timedelta(minutes=15, seconds=1)  # not locked for good
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.OK


class FullPool:
    """A hashing pool whose queue is full: every check is turned away unchecked."""

    async def hash(self, password: str) -> str:
        raise HashingBusy

    async def verify(self, password_hash: str, password: str) -> bool:
        raise HashingBusy


async def test_sign_ins_turned_away_by_a_full_pool_cost_the_agent_no_attempt(database: Database):
    agents = SqlAgents(database.engine(), FAST)
    await agents.add("lan", Role.AGENT, "Hoa-Sen#2024")
    busy = SqlAgents(database.engine(), FullPool())
    for _ in range(10):
        with pytest.raises(HashingBusy):
            await busy.sign_in("lan", "Wrong#Pass1")
    assert (await agents.sign_in("lan", "Hoa-Sen#2024"))[0] is SignIn.OK


async def test_purge_deletes_past_30_days_and_keeps_the_audit_log_a_year(database: Database):
    store = SupportStore(database.engine(), KEYS)
    now = datetime.now(UTC)
    clock = [now - timedelta(days=31)]
    recorder = Recorder(store, Translator.load(), KEYS, clock=lambda: clock[0])
    recorder.observe(turn("telegram:old", "001090012345", "mobile.id_number", "mobile.phone"))
    await recorder.settle()
    clock[0] = now
    recorder.observe(turn("telegram:new", "001090012345", "mobile.id_number", "mobile.phone"))
    await recorder.settle()
    await store.audit(now - timedelta(days=200), "lan", "reveal", "telegram:old", "id:1", "why")
    await store.audit(now - timedelta(days=400), "lan", "reveal", "telegram:old", "id:1", "old")

    deleted = await store.purge(now)
    assert deleted["transcript_lines"] == 2 and deleted["conversations"] == 1
    assert deleted["audit_log"] == 1
    assert await store.lines("telegram:old") == [] and await store.lines("telegram:new")
    assert [e.detail for e in await store.audit_log()] == ["why"]


async def test_records_wait_while_the_database_is_down_and_are_written_once_it_answers(
    database: Database,
):
    store = SupportStore(database.engine(), KEYS)
    recorder = Recorder(store, Translator.load(), KEYS)
    real_write, calls = store.write, []

    async def down_once(batch):
        calls.append(batch)
        if len(calls) == 1:
            raise AccountsUnavailable("OSError")
        await real_write(batch)

    store.write = down_once  # type: ignore[method-assign]
    recorder.observe(turn("telegram:x", "001090012345", "mobile.id_number", "mobile.phone"))
    assert await recorder.flush() is False and await store.lines("telegram:x") == []
    recorder.observe(turn("telegram:x", "0912345678", "mobile.phone", "mobile.email"))
    await recorder.settle()
    person = [line.text for line in await store.lines("telegram:x") if line.role == "person"]
    assert person == ["*********345", "*******678"]  # nothing lost, in order


async def test_an_agent_s_search_waits_for_a_write_already_under_way(database: Database):
    """The console settles the recorder before it searches: a periodic flush that has
    taken the turns and not yet written them must be waited for, or the caller who just
    dialled is "not found"."""
    store = SupportStore(database.engine(), KEYS)
    recorder = Recorder(store, Translator.load(), KEYS)
    real_write, writing = store.write, asyncio.Event()

    async def slow_write(batch):
        writing.set()
        await asyncio.sleep(0.2)
        await real_write(batch)

    store.write = slow_write  # type: ignore[method-assign]
    recorder.observe(turn("telegram:y", "001090012345", "mobile.id_number", "mobile.phone"))
    periodic = asyncio.create_task(recorder.flush())  # the background flush starts
    await writing.wait()
    await recorder.settle()  # what the console's search does first
    assert await store.lines("telegram:y")  # written by the time settle returns
    await periodic
