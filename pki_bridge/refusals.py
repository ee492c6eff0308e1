"""Why a signature or a certificate is not accepted: the refusals dialogs and pages
catch, with the message that tells the person what to do. No network code here."""

from __future__ import annotations

from typing import Final

from bot.i18n import Msg, msg

REASONS: Final = (
    "malformed_certificate",
    "self_signed",
    "ca_certificate",
    "key_usage",
    "extended_key_usage",
    "weak_key",
    "not_yet_valid",
    "expired",
    "untrusted",
    "revoked",
    "malformed_identity",
    "bad_signature",
    "malformed_signature",
    "no_revocation_info",
)


class CertificateRefused(Exception):
    """The certificate (or the signature made with it) is not accepted, for `reason`.

    `message` tells the person what is wrong and what to do (catalog `pki.po`).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.message: Msg = msg(f"pki.refused.{reason}")


class RevocationUnavailable(Exception):
    """Revocation data could not be obtained: the certificate is not accepted, try later."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message: Msg = msg("pki.revocation_unavailable")
