"""The composition root: the outside world as ports in, a running regbot out.

Pure - no aiohttp, no sockets, nothing opened here - so a test wires regbot with
in-memory fakes in milliseconds (cosmicpython's `bootstrap`). `bot.web.app` opens the
real adapters, one resource per cleanup context, and calls `bootstrap` with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.accounts.port import Accounts
from bot.config import Settings
from bot.dialogs.codes import OtpCodes
from bot.dialogs.limits import Limits
from bot.dialogs.ports import PasswordHashing
from bot.dialogs.registry import all_dialogs
from bot.engine.engine import DialogEngine, Observer
from bot.engine.resumes import Pushes, Resumes
from bot.i18n import Translator
from bot.keys import SecretKeys
from bot.notifier import SmsNotifier
from bot.otp import OtpService
from bot.passwords import PasswordPool
from bot.signing.events import SigningEvents
from bot.signing.links import SigningLinks
from bot.signing.ports import IdentityCheck, Signing
from bot.signing.proofs import PROOF_LIFETIME, SignatureProofs
from bot.state.keys import KeyBuilder
from bot.state.session import RecordCodec
from bot.state.store import Counters, StateStore
from integrations.carrier import CarrierRegister
from integrations.insured import InsuredRegister
from integrations.sms import SmsGateway
from pki_bridge.mssp import MobileSignatureService


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Adapters:
    """The outside world as ports: opened by `bot.web.app`, or faked by tests."""

    store: StateStore
    counters: Counters
    accounts: Accounts
    sms: SmsGateway
    carrier: CarrierRegister
    insured: InsuredRegister
    mssp: MobileSignatureService
    public_certificates: IdentityCheck  # PKI_TRUST_ANCHORS: citizens, businesses
    gov_certificates: IdentityCheck  # PKI_GOV_TRUST_ANCHORS: civil servants
    passwords: PasswordPool  # argon2id's bounded thread pool (one per process)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What channels and web pages use: the engine and the few ports outside a turn."""

    settings: Settings
    keys: SecretKeys
    translator: Translator
    engine: DialogEngine
    accounts: Accounts
    notifier: SmsNotifier
    signing: Signing
    resumes: Resumes
    store: StateStore  # the shared store and counters, for channels that keep records
    counters: Counters  # of their own (Zalo: each person's inbox, tokens, send rate)
    otp_codes: OtpCodes  # codes by SMS outside a dialog (USSD: proving the caller's phone)

    @property
    def pushes(self) -> Pushes:
        return self.resumes.pushes

    async def close(self) -> None:
        """Stop the background work this runtime started (signature waits)."""
        await self.signing.events.close()


def bootstrap(
    settings: Settings,
    adapters: Adapters,
    *,
    keys: SecretKeys,
    public_url: str,
    translator: Translator | None = None,
    hashing: PasswordHashing | None = None,
    clock: Callable[[], datetime] = utc_now,
    observers: Sequence[Observer] = (),
) -> Runtime:
    """Wire regbot. `public_url` is the base of links people open (`/sign/{token}`);
    `hashing` replaces argon2id at the settings' cost (benchmarks of the engine alone)."""
    translator = translator or Translator.load()
    resumes = Resumes(Pushes())
    signing = Signing(
        mssp=adapters.mssp,
        public=adapters.public_certificates,
        gov=adapters.gov_certificates,
        links=SigningLinks(adapters.store, keys.state, keys.tokens),
        proofs=SignatureProofs(
            adapters.store,
            keys.sealer("signature-proof"),
            keys.tokens,
            lifetime=max(PROOF_LIFETIME, 4 * settings.session_ttl),
        ),
        events=SigningEvents(resumes),
        translator=translator,
        public_url=public_url,
    )
    notifier = SmsNotifier(adapters.sms, translator)
    # counters are named by a hash of their own, never the accounts table's identity_hash
    limits = Limits(adapters.counters, keys.counter_hash)
    otp = OtpService(keys.otp)
    dialogs = all_dialogs(
        accounts=adapters.accounts,
        carrier=adapters.carrier,
        insured=adapters.insured,
        signing=signing,
        notifier=notifier,
        limits=limits,
        otp=otp,
        hashing=hashing or adapters.passwords,
        retry_window=settings.session_ttl,
        keyed_hash=keys.identity_hash,
    )
    engine = DialogEngine(
        dialogs,
        adapters.store,
        RecordCodec(keys.sealer("dialog")),
        KeyBuilder(keys.tokens),
        clock=clock,
        ttl_seconds=settings.session_ttl,
        observers=observers,
    )
    return Runtime(
        settings,
        keys,
        translator,
        engine,
        adapters.accounts,
        notifier,
        signing,
        resumes,
        adapters.store,
        adapters.counters,
        OtpCodes(otp, notifier, limits),
    )
