"""`regbot agents add|disable|list` and `regbot purge`: the operator's side of the support
desk, on the same database as `regbot serve` (DATABASE_URL, or the data directory's
SQLite file). Passwords come from the terminal (asked twice) or from standard input."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.accounts.model import AccountsUnavailable
from bot.accounts.repository import make_engine
from bot.accounts.schema import migrate
from bot.config import Settings
from bot.i18n import Translator
from bot.keys import SecretKeys, load_or_create_secret
from bot.passwords import PasswordHasher, UnpooledHashing
from bot.support.agents import AgentExists, BadAgentName, Role, SqlAgents
from bot.support.store import AUDIT_RETENTION_DAYS, RETENTION_DAYS, SupportStore
from bot.validation.refusal import Invalid


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agents = commands.add_parser("agents", help="support console accounts: add, disable, list")
    agents.add_argument("action", choices=("add", "disable", "list"))
    agents.add_argument("name", nargs="?")
    agents.add_argument("--role", choices=[str(role) for role in Role], default=str(Role.AGENT))
    purge = commands.add_parser(
        "purge", help="delete transcripts and events past retention (audit log: a year)"
    )
    purge.add_argument("--days", type=days, default=RETENTION_DAYS)
    purge.add_argument("--audit-days", type=days, default=AUDIT_RETENTION_DAYS)
    for parser in (agents, purge):
        parser.add_argument("--data-dir", type=Path, default=None)


def days(text: str) -> int:
    """A retention in days; a negative one (a typo) would put the cut-off in the future
    and delete every record, the audit log included."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (0 or more)")
    return number


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "purge":
        return asyncio.run(purge_command(settings, args.days, args.audit_days))
    if args.action != "list" and not args.name:
        print("regbot agents add|disable needs a NAME", file=sys.stderr)
        return 2
    password = None
    if args.action == "add":
        # before the event loop: getpass inside it ignored Ctrl-C (the loop's handler
        # only cancels its task) and left the terminal without echo
        try:
            password = read_password()
        except (EOFError, KeyboardInterrupt):
            print("\nno password given: the agent is not added", file=sys.stderr)
            return 1
        except Mismatch as exc:
            print(exc, file=sys.stderr)
            return 1
    return asyncio.run(agents_command(settings, args.action, args.name, args.role, password))


def read_password(stdin: TextIO | None = None, ask: Callable[[str], str] = getpass.getpass) -> str:
    """Twice from a terminal; one line from a pipe (scripts, `printf ... | regbot ...`)."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = ask("Password: ")
    if ask("Password again: ") != first:
        raise Mismatch("the two passwords differ")
    return first


class Mismatch(Exception):
    """The two passwords typed differ."""


async def agents_command(
    settings: Settings, action: str, name: str | None, role: str, password: str | None = None
) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.accounts_url)
    try:
        await migrate(engine)
        agents = SqlAgents(engine, UnpooledHashing(PasswordHasher(settings.password_cost)))
        if action == "list":
            for agent in await agents.all():
                state = "disabled" if agent.disabled else "active"
                print(f"{agent.name}\t{agent.role}\t{state}")
            return 0
        assert name is not None
        if action == "disable":
            if not await agents.disable(name):
                print(f"no agent named {name}", file=sys.stderr)
                return 1
            print(f"{name} is disabled")
            return 0
        try:
            await agents.add(name, Role(role), password or "")
        except Invalid as refused:
            print(Translator.load().render(refused.message, "en"), file=sys.stderr)
            return 1
        except BadAgentName:
            print("a name is 2-64 letters, digits, dots, dashes or underscores", file=sys.stderr)
            return 1
        except AgentExists:
            print(f"an agent named {name} exists already", file=sys.stderr)
            return 1
        print(f"{name} added ({role})")
        return 0
    finally:
        await engine.dispose()


async def purge_command(settings: Settings, days: int, audit_days: int) -> int:
    """Delete transcripts, events and conversations older than `days`, audit entries older
    than `audit_days`."""
    secret = settings.secret_key or load_or_create_secret(settings.data_dir / "secret.key")
    engine = make_engine(settings.accounts_url)
    try:
        await migrate(engine)
        store = SupportStore(engine, SecretKeys.from_secret(secret))
        try:
            deleted = await store.purge(datetime.now(UTC), days, audit_days)
        except AccountsUnavailable as exc:
            print(f"the database did not answer: {exc}", file=sys.stderr)
            return 1
        for table, count in deleted.items():
            print(f"{table}\t{count} deleted")
        return 0
    finally:
        await engine.dispose()
