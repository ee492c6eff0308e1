"""Mobile signature service (SIM ký số): the port and the shared rules (the statement, the
verification code, waiting for an answer). The HTTP client is `pki_bridge.mssp_client`."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

from bot.i18n import Msg, msg
from integrations.errors import IntegrationRejected, IntegrationUnavailable
from pki_bridge.evidence import Verified
from pki_bridge.signatures import verify_raw
from pki_bridge.statement import sim_statement

DEFAULT_TOTAL_TIMEOUT: Final = 120.0
DEFAULT_INTERVAL: Final = 2.0


class MsspResult(StrEnum):
    """How a signature request ended (the contract's results plus our own failures)."""

    OK = "OK"
    USER_REFUSED = "USER_REFUSED"
    TIMEOUT = "TIMEOUT"
    NOT_A_SIGNING_SIM = "NOT_A_SIGNING_SIM"
    WRONG_PIN_LOCKED = "WRONG_PIN_LOCKED"
    UNAVAILABLE = "UNAVAILABLE"  # the service could not be reached, or answered nonsense


_MESSAGES: Final = {result: f"pki.mssp.{result.value.lower()}" for result in MsspResult}


@dataclass(frozen=True, slots=True)
class SignatureOutcome:
    """A finished request: `message` tells the person what happened and what to do."""

    result: MsspResult
    signature: bytes | None = None
    signature_algorithm: str | None = None
    certificate: bytes | None = None
    chain: tuple[bytes, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result is MsspResult.OK

    @property
    def message(self) -> Msg:
        return msg(_MESSAGES[self.result])


def verification_code(hash_bytes: bytes) -> str:
    """The 4 digits both the phone and regbot show (the Smart-ID rule)."""
    return f"{int.from_bytes(hashlib.sha256(hash_bytes).digest()[-2:], 'big') % 10000:04d}"


def registration_statement(service: str, phone: str, nonce: str, time: dt.datetime) -> bytes:
    """What the person signs (as its SHA-256): names the service, phone, a fresh nonce and
    the time, so that a signature cannot be replayed for another registration."""
    return sim_statement(service, phone, nonce, time)


def statement_hash(statement: bytes) -> bytes:
    return hashlib.sha256(statement).digest()


class MobileSignatureService(Protocol):
    async def start(self, phone: str, hash_bytes: bytes, display_text: str) -> str:
        """Send a signature request to the SIM of `phone`; return the session id.

        Raises IntegrationUnavailable / IntegrationRejected.
        """
        ...

    async def poll(self, session_id: str) -> SignatureOutcome | None:
        """The outcome, or None while the person has not answered yet."""
        ...


async def await_result(
    service: MobileSignatureService,
    session_id: str,
    *,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
) -> SignatureOutcome:
    """Poll until the request completes; past `total_timeout` the answer is TIMEOUT.

    Transport failures become UNAVAILABLE (never an exception), so the dialog always gets
    a result it can explain.
    """
    deadline = time.monotonic() + total_timeout
    while True:
        try:
            outcome = await service.poll(session_id)
        except (IntegrationUnavailable, IntegrationRejected):
            return SignatureOutcome(MsspResult.UNAVAILABLE)
        if outcome is not None:
            return outcome
        left = deadline - time.monotonic()
        if left <= 0:
            return SignatureOutcome(MsspResult.TIMEOUT)
        await asyncio.sleep(min(interval, left))


class CertificateCheck(Protocol):
    """What verify_outcome needs of a checker (CertificateChecker, or a port over it)."""

    async def check(self, signer_der: bytes, chain_ders: Sequence[bytes] = ()) -> Verified: ...


async def verify_outcome(
    outcome: SignatureOutcome, hash_bytes: bytes, checker: CertificateCheck
) -> Verified:
    """The identity behind an OK outcome, with the evidence of its certificate: the
    signature must be over exactly `hash_bytes` (the statement regbot issued) and the
    certificate must pass `checker`.

    Raises CertificateRefused / RevocationUnavailable.
    """
    if not outcome.ok or outcome.signature is None or outcome.certificate is None:
        raise ValueError("only an OK outcome carries a signature")
    verify_raw(outcome.signature, outcome.certificate, digest=hash_bytes)
    return await checker.check(outcome.certificate, outcome.chain)
