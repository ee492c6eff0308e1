"""Every dialog regbot runs, each given the ports it needs, and the first screens built
from the methods they offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.accounts.port import Accounts
from bot.dialogs.bhxh import Bhxh
from bot.dialogs.certified import CertifiedSteps
from bot.dialogs.codes import OtpCodes
from bot.dialogs.common import COMMON_STEPS, OTHER_WAYS_METHOD, Registrations
from bot.dialogs.forgot_password import ForgotPassword
from bot.dialogs.limits import Limits
from bot.dialogs.mobile import Mobile
from bot.dialogs.ports import Notifier, PasswordHashing
from bot.dialogs.post_office import post_office_dialog
from bot.dialogs.sim import Sim
from bot.dialogs.start import build_start
from bot.dialogs.usb import Usb
from bot.engine.spec import Dialog
from bot.otp import OtpService
from bot.signing.ports import Signing
from integrations.carrier import CarrierRegister
from integrations.insured import InsuredRegister


def all_dialogs(
    *,
    accounts: Accounts,
    carrier: CarrierRegister,
    insured: InsuredRegister,
    signing: Signing,
    notifier: Notifier,
    limits: Limits,
    otp: OtpService,
    hashing: PasswordHashing,
    retry_window: int,
    keyed_hash: Callable[[str, str], str],
) -> list[Dialog]:
    """The dialogs, in the order the first screens offer their methods.

    Methods without a registrant kind (forgot password, other ways) sit directly on the
    first screen, after the kinds. `retry_window`: how long a repeated final turn finds
    its own account rather than "duplicate" (the session's lifetime). `keyed_hash`:
    `SecretKeys.identity_hash`, for the phone an account's evidence names.
    """
    codes = OtpCodes(otp, notifier, limits)
    registrations = Registrations(accounts, retry_window, keyed_hash)
    certified = CertifiedSteps(accounts, registrations, signing, notifier)
    methods = [
        Mobile(carrier, accounts, limits, codes, hashing, registrations).dialog(),
        Bhxh(insured, accounts, limits, codes, hashing, registrations).dialog(),
        Sim(signing, limits, certified).dialog(),
        Usb(signing, notifier, limits, certified).dialog(),
        post_office_dialog(),
    ]
    common = Dialog("common", COMMON_STEPS, methods=(OTHER_WAYS_METHOD,))
    entries = [ForgotPassword(accounts, limits, codes, hashing, notifier).dialog(), common]
    return [build_start([*methods, *entries]), *entries, *methods]


class _Unwired:
    """A port that is not there: dialogs built only to be drawn or checked never call one."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a dialog built for review used a port ({name})")


def dialogs_for_review() -> list[Dialog]:
    """The same dialogs, with no port behind them: for `regbot dialogs` and graph checks."""
    port: Any = _Unwired()
    return all_dialogs(
        accounts=port,
        carrier=port,
        insured=port,
        signing=port,
        notifier=port,
        limits=port,
        otp=port,
        hashing=port,
        retry_window=0,
        keyed_hash=port,
    )
