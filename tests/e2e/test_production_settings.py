"""An operator who starts `regbot serve` with settings that would let a stranger in is
refused at once, told which setting and why, with exit status 2 and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.stories import serve_env, serve_once

STRONG_KEY = "pX3v9kQm2Lr8tWz4YbN6cJh1FgD7sAe5Ru0iOo"
GATEWAY_SECRET = "Ux7pQ2mV9sKd4Rw8Zt1Ny6Bh3Jc5Lf0GaE"  # USSD_SECRET, as random as the key
SCRAPER_TOKEN = "k8Rf2Wn5Tq9Lz3Vx7Bc1Hm4Pd6Jy0Gs2Ne"  # REGBOT_METRICS_TOKEN


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    """Everything production asks for; the trust anchors' files are not there, so a start
    that passes the settings stops right after, saying so (a database that does not answer,
    port 1 here, would not stop it: it waits for it)."""
    env = serve_env(
        tmp_path,
        REGBOT_ENV="production",
        REGBOT_SECRET_KEY=STRONG_KEY,
        REGBOT_PASSWORD_HASHING="standard",
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL="postgresql+asyncpg://regbot@127.0.0.1:1/regbot",
        SMS_URL="https://sms.invalid",
        CARRIER_URL="https://carrier.invalid",
        BHXH_URL="https://bhxh.invalid",
        MSSP_URL="https://mssp.invalid",
        USSD_SECRET=GATEWAY_SECRET,
        REGBOT_METRICS_TOKEN=SCRAPER_TOKEN,
        REGBOT_PUBLIC_URL="https://dichvucong.example",
        PKI_TRUST_ANCHORS=str(tmp_path / "anchors.pem"),
        PKI_GOV_TRUST_ANCHORS=str(tmp_path / "gov-anchors.pem"),
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_complete_production_settings_pass_to_the_next_check(tmp_path: Path) -> None:
    result = serve_once(production_env(tmp_path))
    assert result.returncode == 2
    assert "refuses to start" not in result.stderr
    assert "PKI_TRUST_ANCHORS cannot be read" in result.stderr


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"USSD_SECRET": None}, "USSD_SECRET is not set"),
        ({"REGBOT_PUBLIC_URL": None}, "REGBOT_PUBLIC_URL is not set"),
        ({"REGBOT_PUBLIC_URL": "http://dichvucong.example"}, "must be an https:// address"),
        ({"PKI_TRUST_ANCHORS": None}, "PKI_TRUST_ANCHORS is not set"),
        ({"PKI_GOV_TRUST_ANCHORS": None}, "PKI_GOV_TRUST_ANCHORS is not set"),
        ({"REGBOT_SECRET_KEY": "short-key-2024"}, "REGBOT_SECRET_KEY is too weak"),
        ({"REGBOT_SECRET_KEY": "changeme" * 5}, "REGBOT_SECRET_KEY is too weak"),
        ({"REGBOT_SECRET_KEY": "ab" * 24}, "REGBOT_SECRET_KEY is too weak"),
        ({"USSD_SECRET": "a"}, "USSD_SECRET is too weak"),
        ({"USSD_SECRET": "gateway-4f7e2a9c1d8b"}, "USSD_SECRET is too weak"),
        ({"REGBOT_METRICS_TOKEN": "a"}, "REGBOT_METRICS_TOKEN is too weak"),
        ({"REGBOT_METRICS_TOKEN": "prometheus-secret" * 2}, "REGBOT_METRICS_TOKEN is too weak"),
    ],
)
def test_production_refuses_settings_that_would_let_a_stranger_in(
    tmp_path: Path, changes: dict[str, str | None], says: str
) -> None:
    result = serve_once(production_env(tmp_path, **changes))
    assert result.returncode == 2
    assert "REGBOT_ENV=production refuses to start" in result.stderr and says in result.stderr
    assert "Traceback" not in result.stderr
    assert STRONG_KEY not in result.stderr and GATEWAY_SECRET not in result.stderr
    assert SCRAPER_TOKEN not in result.stderr and "gateway-4f7e" not in result.stderr


@pytest.mark.parametrize("typo", ["prod", "Production ", "staging", "dev"])
def test_an_unknown_environment_is_refused_rather_than_run_as_development(
    tmp_path: Path, typo: str
) -> None:
    """`REGBOT_ENV=prod` used to run as development: simulators mounted, every OTP
    readable under /sim."""
    result = serve_once(serve_env(tmp_path, REGBOT_ENV=typo))
    if typo.strip().lower() == "production":  # the same word in other case: production
        assert "REGBOT_ENV=production refuses to start" in result.stderr
    else:
        assert "REGBOT_ENV must be one of development, test, production" in result.stderr
    assert result.returncode == 2 and "Traceback" not in result.stderr
