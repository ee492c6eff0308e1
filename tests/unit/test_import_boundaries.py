"""A dialog is data and ports: importing one loads no web server, no store client, no
database driver, no PKCS#11 and no test CA (aiogram keeps its storage adapters out of
`fsm/storage/__init__` for the same reason)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("aiohttp", "redis", "sqlalchemy", "asyncpg", "aiosqlite", "pkcs11", "telegram")
TEST_ONLY = "pki_bridge.testing"


def loaded_by(module: str) -> list[str]:
    """The heavy or test-only modules a fresh interpreter has after importing `module`."""
    probe = (
        f"import sys, {module}\n"
        f"heavy = {HEAVY!r}\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy "
        f"or m.startswith({TEST_ONLY!r}))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [line for line in found.stdout.splitlines() if line]


def test_importing_every_dialog_loads_no_adapter_and_no_test_pki() -> None:
    assert loaded_by("bot.dialogs.registry") == []


def test_the_engine_and_the_ports_packages_load_no_adapter() -> None:
    for package in ("bot.engine", "bot.accounts", "bot.state", "bot.signing", "pki_bridge"):
        assert loaded_by(package) == [], package
