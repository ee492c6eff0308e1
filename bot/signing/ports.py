"""The signing ports a dialog may call: SIM signing, certificate checks, links, events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import msgspec

from bot.accounts.model import AccountKind, IdType
from bot.dialogs.draft import SignedIdentity
from bot.i18n import Msg, Translator, msg
from bot.signing.events import SigningEvents
from bot.signing.links import SigningLinks
from bot.signing.proofs import SignatureProofs
from pki_bridge import CertifiedIdentity, MobileSignatureService, Verified

MSSP_TOTAL_TIMEOUT: Final = 120.0  # seconds a person has to confirm on the phone


class IdentityCheck(Protocol):
    """Accepts a signer certificate against one anchor set (CertificateChecker)."""

    async def check(self, signer_der: bytes, chain_ders: Sequence[bytes] = ()) -> Verified: ...


@dataclass(frozen=True, slots=True)
class Signing:
    """Everything level-3 registration needs, wired once by `bot.app`.

    `public` checks citizens' and businesses' certificates (PKI_TRUST_ANCHORS, plus the
    simulator CA in demo mode); `gov` checks officials' (PKI_GOV_TRUST_ANCHORS only).
    """

    mssp: MobileSignatureService
    public: IdentityCheck
    gov: IdentityCheck
    links: SigningLinks
    proofs: SignatureProofs
    events: SigningEvents
    translator: Translator
    public_url: str  # base of `/sign/{token}` links
    mssp_timeout: float = MSSP_TOTAL_TIMEOUT
    mssp_poll_interval: float = 1.0

    def link_url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/sign/{token}"

    def display_text(self, code: str, lang: str) -> str:
        """What the phone shows with the request: the 4-digit code to compare."""
        return self.translator.render(msg("signing.sim_display_text", code=code), lang)


def kind_refusal(expected: str, identity: CertifiedIdentity) -> Msg | None:
    """A citizen's certificate cannot register a business, nor the other way round."""
    if identity.kind == expected:
        return None
    return msg(f"signing.kind_mismatch_{expected}")


def signed_identity(identity: CertifiedIdentity) -> SignedIdentity:
    """What the dialog keeps of a verified certificate."""
    return SignedIdentity(
        kind=AccountKind(identity.kind),
        id_type=IdType(identity.id_type),
        id_number=identity.id_number,
        name=identity.name,
        issuer=identity.issuer,
        not_after=identity.not_after.date(),
        agency=identity.agency,
    )


def identity_fields(identity: CertifiedIdentity) -> dict[str, Any]:
    """A verified identity as JSON-safe fields, for a signing link's record."""
    return dict(msgspec.to_builtins(signed_identity(identity)))


def identity_of(fields: dict[str, Any]) -> SignedIdentity:
    """The identity a signing link's record holds (`identity_fields`)."""
    return msgspec.convert(fields, SignedIdentity)
