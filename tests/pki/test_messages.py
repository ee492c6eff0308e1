"""Story: whatever goes wrong with a signature, the person reads why and what to do."""

from __future__ import annotations

import pytest

from bot.i18n import Translator, msg
from pki_bridge import REASONS, CertificateRefused, RevocationUnavailable
from pki_bridge.mssp import MsspResult, SignatureOutcome

KEYS = (
    [CertificateRefused(reason).message.key for reason in REASONS]
    + [SignatureOutcome(result).message.key for result in MsspResult]
    + [RevocationUnavailable("x").message.key, "pki.mssp.confirm_on_phone"]
)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_refusal_and_sim_result_has_a_message(lang):
    translator = Translator.load()
    missing = [key for key in KEYS if not translator.has(key, lang)]
    assert missing == []


def test_the_phone_confirmation_shows_the_verification_code():
    text = Translator.load().render(msg("pki.mssp.confirm_on_phone", code="0427"), "vi")
    assert "0427" in text
