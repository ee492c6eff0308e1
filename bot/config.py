"""Settings from the environment (CONTRACTS.md, "regbot's own HTTP surface")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.systems import SYSTEMS
from bot.web.signing_tools import DEFAULT_TOOLS, BadTools, SigningTool, parse_tools


class ConfigError(Exception):
    """The settings cannot run the service (e.g. production on simulators)."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("data")
    redis_url: str | None = None
    database_url: str | None = None
    # the base URL of each external system by its name in `bot.systems.SYSTEMS`
    system_urls: Mapping[str, str] = field(default_factory=dict)
    pki_trust_anchors: str | None = None
    pki_gov_trust_anchors: str | None = None
    telegram_bot_token: str | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    # Zalo Official Account (CONTRACTS): ZALO_APP_ID turns the channel on
    zalo_app_id: str | None = None
    zalo_oa_secret_key: str | None = None  # checks webhook signatures
    zalo_app_secret: str | None = None  # refreshes access tokens
    zalo_access_token: str | None = None  # the first pair; later pairs live in the store
    zalo_refresh_token: str | None = None
    zalo_api_url: str | None = None  # unset: the simulator (the real API in production)
    zalo_oauth_url: str | None = None
    secret_key: str | None = None
    ussd_secret: str | None = None
    public_url: str | None = None
    dashboard_token: str | None = None
    session_ttl: int = 15 * 60
    http_timeout: float = 5.0
    password_hashing: str = "standard"  # "fast" only for tests and benchmarks
    signing_tools: tuple[SigningTool, ...] = DEFAULT_TOOLS  # what /sign offers to install

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        tools = get("REGBOT_SIGNING_TOOLS")
        try:
            signing_tools = parse_tools(tools) if tools else DEFAULT_TOOLS
        except BadTools as exc:
            raise ConfigError(str(exc)) from exc
        return cls(
            env=(get("REGBOT_ENV") or "development").lower(),  # "Production" is production
            data_dir=Path(get("REGBOT_DATA_DIR") or "data"),
            redis_url=get("REDIS_URL"),
            database_url=get("DATABASE_URL"),
            system_urls={system.name: url for system in SYSTEMS if (url := get(system.setting))},
            pki_trust_anchors=get("PKI_TRUST_ANCHORS"),
            pki_gov_trust_anchors=get("PKI_GOV_TRUST_ANCHORS"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=get("TELEGRAM_API_URL"),
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            zalo_app_id=get("ZALO_APP_ID"),
            zalo_oa_secret_key=get("ZALO_OA_SECRET_KEY"),
            zalo_app_secret=get("ZALO_APP_SECRET"),
            zalo_access_token=get("ZALO_ACCESS_TOKEN"),
            zalo_refresh_token=get("ZALO_REFRESH_TOKEN"),
            zalo_api_url=get("ZALO_API_URL"),
            zalo_oauth_url=get("ZALO_OAUTH_URL"),
            secret_key=get("REGBOT_SECRET_KEY"),
            ussd_secret=get("USSD_SECRET"),
            public_url=get("REGBOT_PUBLIC_URL"),
            dashboard_token=get("REGBOT_DASHBOARD_TOKEN"),
            session_ttl=_int(env, "REGBOT_SESSION_TTL", 15 * 60),
            password_hashing=get("REGBOT_PASSWORD_HASHING") or "standard",
            signing_tools=signing_tools,
        )

    @property
    def accounts_url(self) -> str:
        """DATABASE_URL, or the embedded default's SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'regbot.sqlite3').resolve()}"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def url_of(self, system: str) -> str | None:
        return self.system_urls.get(system)

    @property
    def simulated(self) -> tuple[str, ...]:
        """External systems whose simulator would be mounted (their URL is unset)."""
        return tuple(s.name for s in SYSTEMS if not self.system_urls.get(s.name))

    @property
    def simulators_on(self) -> bool:
        return bool(self.simulated)

    def check(self) -> None:
        """Refuse to run production on simulators or without its secrets and stores."""
        if not self.production:
            return
        problems = []
        if self.simulated:
            problems.append("simulators would be mounted for: " + ", ".join(self.simulated))
        for name, value in (
            ("REGBOT_SECRET_KEY", self.secret_key),
            ("REDIS_URL", self.redis_url),
            ("DATABASE_URL", self.database_url),
        ):
            if not value:
                problems.append(f"{name} is not set")
        if self.zalo_app_id:  # the Zalo channel is on: it needs every secret of its OA
            for name, value in (
                ("ZALO_OA_SECRET_KEY", self.zalo_oa_secret_key),
                ("ZALO_APP_SECRET", self.zalo_app_secret),
                ("ZALO_ACCESS_TOKEN", self.zalo_access_token),
                ("ZALO_REFRESH_TOKEN", self.zalo_refresh_token),
            ):
                if not value:
                    problems.append(f"{name} is not set (ZALO_APP_ID turns Zalo on)")
        if self.password_hashing != "standard":
            problems.append("REGBOT_PASSWORD_HASHING must be standard")
        if problems:
            raise ConfigError("REGBOT_ENV=production refuses to start: " + "; ".join(problems))
