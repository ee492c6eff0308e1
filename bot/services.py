"""The ports a dialog may call, bundled once by the app factory (`bot.app`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.accounts.port import Accounts
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
    monotonic: Callable[[], float] = time.time
    extras: dict[str, Any] = field(default_factory=dict)
