"""The ports a dialog may call, bundled once by the app factory (`bot.app`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.accounts.port import Accounts
from bot.after_reply import after_the_reply
from bot.bridge.ports import Signing
from bot.config import Settings
from bot.i18n import Translator
from bot.keys import SecretKeys
from bot.otp import OtpService
from bot.passwords import PasswordHasher
from bot.state.store import Counters
from integrations.carrier import CarrierRegister
from integrations.insured import InsuredRegister
from integrations.sms import SmsGateway

log = logging.getLogger("regbot.services")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Services:
    """Everything outside the engine that a step may use. Optional ports are None when
    their method is not offered."""

    settings: Settings
    translator: Translator
    keys: SecretKeys
    accounts: Accounts
    counters: Counters
    passwords: PasswordHasher
    otp: OtpService
    sms: SmsGateway
    carrier: CarrierRegister
    insured: InsuredRegister | None = None
    signing: Signing | None = None  # SIM signing, certificate checks, USB-token links
    clock: Callable[[], datetime] = utc_now
    # wall-clock seconds (not time.monotonic): stored in state that any worker may read
    epoch_seconds: Callable[[], float] = time.time
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def later(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` after the reply has been written, after a random pause
        (`bot.after_reply`); kept referenced until done, failures logged."""
        task = asyncio.ensure_future(after_the_reply(work))
        self.background.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self.background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.warning("%s failed: %s", what, type(finished.exception()).__name__)

        task.add_done_callback(done)
