"""An accepted signature's evidence, from its acceptance to the account that rests on it.

The statement, the signature and `ValidationEvidence` weigh kilobytes (more with a large
CRL): too much for the dialog's draft, which is sealed and written on every turn. So the
proof is written once, sealed, to a store entry of its own; the draft keeps only the
entry's name. The name is a keyed hash of the content, so whoever can write the store
cannot swap one proof for another under a name a draft holds, and any worker can read it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

import msgspec

from bot.accounts.evidence import SignatureProof
from bot.keys import Sealer, Unsealable
from bot.state.store import StateStore

# From the accepted signature to "Đăng ký" a person types an email and reads a summary,
# each within a session's lifetime; a proof outlives any such dialog and then goes.
PROOF_LIFETIME: Final = 60 * 60
_PREFIX: Final = "sigproof:"


class SignatureProofs:
    """Keeps proofs by name for `lifetime` seconds (at least that of a session)."""

    def __init__(
        self, store: StateStore, sealer: Sealer, name_key: bytes, *, lifetime: int = PROOF_LIFETIME
    ) -> None:
        self._store = store
        self._sealer = sealer
        self._name_key = name_key
        self.lifetime = lifetime
        self._decoder = msgspec.msgpack.Decoder(SignatureProof)

    def _name(self, data: bytes) -> str:
        return hmac.new(self._name_key, data, hashlib.sha256).hexdigest()

    async def keep(self, proof: SignatureProof) -> str:
        """Store the proof; its name, for the draft. Raises StoreUnavailable."""
        data = msgspec.msgpack.encode(proof)
        name = self._name(data)
        await self._store.save(_PREFIX + name, self._sealer.seal(data), self.lifetime)
        return name

    async def get(self, name: str) -> SignatureProof | None:
        """The proof of that name; None once it is gone, or if the entry is not what the
        name says. Raises StoreUnavailable."""
        blob = await self._store.load(_PREFIX + name)
        if blob is None:
            return None
        try:
            data = self._sealer.open(blob)
        except Unsealable:
            return None
        if not hmac.compare_digest(self._name(data), name):
            return None
        return self._decoder.decode(data)
