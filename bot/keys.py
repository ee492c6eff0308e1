"""Keys derived from REGBOT_SECRET_KEY, one per purpose (HKDF), so no key does two jobs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config import ConfigError


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"regbot", info=purpose.encode()).derive(
        secret
    )


class Unsealable(ValueError):
    """A sealed blob that is corrupt, of another format, or sealed with another key."""


class Sealer:
    """AES-256-GCM with a fresh 96-bit nonce per blob; `purpose` is bound as associated
    data, so a blob sealed for one use cannot be opened as another. ~4 us a round trip
    against Fernet's ~55 us: it runs on every turn, twice for USSD."""

    VERSION: bytes = b"\x01"

    def __init__(self, key: bytes, purpose: str) -> None:
        self._aead = AESGCM(key)
        self._purpose = purpose.encode()

    def seal(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return self.VERSION + nonce + self._aead.encrypt(nonce, data, self._purpose)

    def open(self, blob: bytes) -> bytes:
        if len(blob) < 29 or blob[:1] != self.VERSION:
            raise Unsealable("format")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], self._purpose)
        except InvalidTag as exc:
            raise Unsealable("key or content") from exc


@dataclass(frozen=True, slots=True)
class SecretKeys:
    """The derived keys. Build with `SecretKeys.from_secret`."""

    state: Fernet  # one-time values at rest (signing links)
    sealing: bytes  # AES-GCM key: dialog and channel state at rest (see Sealer)
    fields: Fernet  # personal fields of accounts at rest
    identity: bytes  # HMAC key: lookup hash of identity numbers (the accounts table)
    counters: bytes  # HMAC key: rate-limit counter names (never the accounts' hash)
    otp: bytes  # HMAC key: OTP digests
    tokens: bytes  # HMAC key: signing-link tokens and other one-time values
    console: bytes  # the support console's session cookies (aiohttp-session, Fernet)
    evidence: bytes  # HMAC key: the seal of each account's evidence (bot.accounts.sealing)

    @classmethod
    def from_secret(cls, secret: str | bytes) -> SecretKeys:
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < 16:
            raise ConfigError(  # one line from every command, not a traceback
                "REGBOT_SECRET_KEY must be at least 16 characters (32 random ones in "
                "production), e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return cls(
            state=Fernet(base64.urlsafe_b64encode(_derive(raw, "state"))),
            sealing=_derive(raw, "sealing"),
            fields=Fernet(base64.urlsafe_b64encode(_derive(raw, "fields"))),
            identity=_derive(raw, "identity"),
            counters=_derive(raw, "counters"),
            otp=_derive(raw, "otp"),
            tokens=_derive(raw, "tokens"),
            console=_derive(raw, "console-session"),
            evidence=_derive(raw, "evidence"),
        )

    def sealer(self, purpose: str) -> Sealer:
        return Sealer(self.sealing, purpose)

    def identity_hash(self, kind: str, id_number: str) -> str:
        """Keyed hash of a normalised identity number, per registrant kind."""
        return hmac.new(self.identity, f"{kind}:{id_number}".encode(), hashlib.sha256).hexdigest()

    def counter_hash(self, kind: str, value: str) -> str:
        """Keyed hash naming a rate-limit counter: its own key, so the names in Redis
        cannot be matched against `accounts.identity_hash` in the database."""
        return hmac.new(self.counters, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def token_for(self, purpose: str) -> str:
        """A stable secret for a purpose (e.g. the Telegram webhook's secret token)."""
        return hmac.new(self.tokens, purpose.encode(), hashlib.sha256).hexdigest()[:48]

    def encrypt(self, value: str) -> str:
        return self.fields.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.fields.decrypt(token.encode()).decode()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a secret from a request (a header) with ours.

    Header values arrive decoded with `surrogateescape`: raw bytes that are not UTF-8
    compare as those bytes (and never match) instead of failing the request.
    """
    if not given or not expected:
        return False
    try:
        raw = given.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no decoder produces: not our secret
        return False
    return hmac.compare_digest(raw, expected.encode())


def load_or_create_secret(path: Path) -> str:
    """The embedded default's secret: generated once into a file only its owner can read."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret
