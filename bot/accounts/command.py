"""`regbot accounts show ID` and `regbot accounts verify (ID | --all)`, for auditors: the
database and the key as `regbot serve` finds them (DATABASE_URL or the data directory's
SQLite file; REGBOT_SECRET_KEY or the data directory's secret.key). Read only, offline:
nothing is migrated, created or fetched. Exit 0 when every check passed (a warning, such
as a USB account's legacy random challenge, is no failure), 1 when one failed, 2 when the
database or the key cannot be had."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cryptography.fernet import InvalidToken

from bot.accounts.audit import Check, verify
from bot.accounts.model import AccountsUnavailable
from bot.accounts.records import AccountRecords, UnreadableAccount
from bot.accounts.repository import make_engine
from bot.accounts.showing import show
from bot.config import ConfigError, Settings
from bot.keys import SecretKeys

OK: Final = 0
FAILED: Final = 1
UNUSABLE: Final = 2

Out = Callable[[str], None]
GONE: Final = "its evidence is stored but the account row is gone (deleted)"
WRONG_KEY: Final = (
    "the accounts do not open with this REGBOT_SECRET_KEY: not the one that wrote them"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = commands.add_parser("accounts", help="show or verify accounts and their evidence")
    actions = accounts.add_subparsers(dest="action", required=True)
    shown = actions.add_parser("show", help="an account and its evidence, masked")
    shown.add_argument("account_id", type=int)
    checked = actions.add_parser(
        "verify", help="re-check the seal and the evidence offline; exit 1 on any failure"
    )
    which = checked.add_mutually_exclusive_group(required=True)
    which.add_argument("account_id", type=int, nargs="?")
    which.add_argument("--all", action="store_true", help="every account, with counts")
    for parser in (shown, checked):
        parser.add_argument("--data-dir", type=Path, default=None)


def run(settings: Settings, args: argparse.Namespace, out: Out = print) -> int:
    try:
        keys = _keys(settings)
        _database_exists(settings)
    except ConfigError as exc:
        out(str(exc))
        return UNUSABLE
    return asyncio.run(_run(settings, keys, args, out))


def _keys(settings: Settings) -> SecretKeys:
    """The deployment's key; never a new one (it would verify nothing)."""
    if settings.secret_key:
        return SecretKeys.from_secret(settings.secret_key)
    path = settings.data_dir / "secret.key"
    if not path.exists():
        raise ConfigError(
            f"no REGBOT_SECRET_KEY and no {path}: the key the accounts were sealed with"
        )
    return SecretKeys.from_secret(path.read_text().strip())


def _database_exists(settings: Settings) -> None:
    """The embedded default's SQLite file must be there (opening it would create it)."""
    path = settings.data_dir / "regbot.sqlite3"
    if settings.database_url is None and not path.exists():
        raise ConfigError(f"no DATABASE_URL and no {path}")


async def _run(settings: Settings, keys: SecretKeys, args: argparse.Namespace, out: Out) -> int:
    engine = make_engine(settings.accounts_url)
    records = AccountRecords(engine, keys)
    try:
        if args.action == "show":
            return await _show(records, keys, args.account_id, out)
        if args.all:
            return await _verify_all(records, keys, out)
        return await _verify_one(records, keys, args.account_id, out)
    except InvalidToken:
        out(WRONG_KEY)
        return UNUSABLE
    except AccountsUnavailable as exc:
        out(
            f"the accounts database cannot be read ({exc}): check DATABASE_URL, and that "
            "`regbot serve` has brought it to the current schema"
        )
        return UNUSABLE
    finally:
        await engine.dispose()


async def _show(records: AccountRecords, keys: SecretKeys, account_id: int, out: Out) -> int:
    try:
        record = await records.record(account_id)
    except UnreadableAccount as unreadable:
        return _unreadable(account_id, unreadable, out)
    if record is None:
        return await _no_account(records, account_id, out)
    for line in show(record, keys.evidence):
        out(line)
    return OK


async def _verify_one(records: AccountRecords, keys: SecretKeys, account_id: int, out: Out) -> int:
    try:
        record = await records.record(account_id)
    except UnreadableAccount as unreadable:
        return _unreadable(account_id, unreadable, out)
    if record is None:
        return await _no_account(records, account_id, out)
    checks = await verify(record, keys.evidence)
    account = record.account
    out(
        f"account {account.id}: {account.kind}, level {account.verification_level}, "
        f"method {account.method}"
    )
    for check in checks:
        out(f"  {_mark(check)}  {check.name}: {check.detail}")
    failed = [check for check in checks if not check.ok]
    out(f"account {account.id}: " + ("FAILED" if failed else "verified"))
    return FAILED if failed else OK


async def _no_account(records: AccountRecords, account_id: int, out: Out) -> int:
    if account_id in await records.orphans():
        out(f"account {account_id}: FAIL  row: {GONE}")
        out(f"account {account_id}: FAILED")
    else:
        out(f"no account {account_id}")
    return FAILED


def _unreadable(account_id: int, unreadable: UnreadableAccount, out: Out) -> int:
    """One account's row is not what regbot writes; with no field opening at all, the
    key is more likely the wrong one than the row damaged."""
    if unreadable.opened_nothing:
        out(WRONG_KEY)
        return UNUSABLE
    out(f"account {account_id}: FAIL  row: {unreadable}")
    out(f"account {account_id}: FAILED")
    return FAILED


def _mark(check: Check) -> str:
    if not check.ok:
        return "FAIL"
    return "warn" if check.warning else "ok  "


async def _verify_all(records: AccountRecords, keys: SecretKeys, out: Out) -> int:
    verified = failed = warned = 0
    closed: list[str] = []
    for account_id in await records.ids():
        try:
            record = await records.record(account_id)
        except UnreadableAccount as unreadable:
            line = f"account {account_id}: FAIL row: {unreadable}"
            if unreadable.opened_nothing:  # all of them so: the key is wrong, said once
                closed.append(line)
            else:
                out(line)
            failed += 1
            continue
        if record is None:  # gone since the list was read
            continue
        checks = await verify(record, keys.evidence)
        problems = [check for check in checks if not check.ok or check.warning]
        for check in problems:
            out(f"account {account_id}: {_mark(check)} {check.name}: {check.detail}")
        if any(not check.ok for check in problems):
            failed += 1
        else:
            verified += 1
            warned += bool(problems)
    if closed and len(closed) == verified + failed:
        out(WRONG_KEY)
        return UNUSABLE
    for line in closed:
        out(line)
    for account_id in await records.orphans():
        out(f"account {account_id}: FAIL row: {GONE}")
        failed += 1
    total = verified + failed
    warnings = f" ({warned} with warnings)" if warned else ""
    out(
        f"{total} account{'' if total == 1 else 's'}: {verified} verified{warnings}, "
        f"{failed} failed"
    )
    return FAILED if failed else OK
