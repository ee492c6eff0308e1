"""Settings from the environment (CONTRACTS.md, "regbot's own HTTP surface")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from bot.passwords import DEFAULT_COST, FAST_COST, Argon2Cost
from bot.systems import SYSTEMS
from bot.web.signing_tools import DEFAULT_TOOLS, BadTools, SigningTool, parse_tools

ENVIRONMENTS: Final = ("development", "test", "production")
ZALO_EVENT_WINDOW: Final = 15 * 60  # production's ZALO_EVENT_MAX_AGE unless set
# at most: the window must stay shorter than the Zalo inbox's memory of msg_ids (a day),
# so that a replay meets one or the other (tests/unit/test_zalo_event_window.py)
ZALO_EVENT_WINDOW_MAX: Final = 6 * 3600
MIN_SECRET_KEY: Final = 32  # characters of REGBOT_SECRET_KEY (and of secrets) in production
MIN_SECRET_SYMBOLS: Final = 10  # distinct characters: "aaaa…" or "abab…" is not a key
# placeholders people leave in (case-insensitive): a key that holds one is not random
WEAK_SECRET_MARKERS: Final = (
    "changeme", "change-me", "change_me", "secret", "password", "example", "default",
    "regbot", "test", "123456", "qwerty", "abcdef",
)  # fmt: skip


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
    zalo_sends_per_second: int = 20  # OA messages a second, across all workers
    # ZALO_EVENT_MAX_AGE, seconds a signed webhook event's timestamp may be old; unset:
    # `ZALO_EVENT_WINDOW` in production, 0 (any age) elsewhere - see `zalo_event_window`
    zalo_event_max_age: int | None = None
    secret_key: str | None = None
    ussd_secret: str | None = None
    public_url: str | None = None
    metrics_token: str | None = None  # REGBOT_METRICS_TOKEN: /metrics on the public port
    session_ttl: int = 15 * 60
    http_timeout: float = 5.0
    password_hashing: str = "standard"  # "fast" only for tests and benchmarks
    argon2: Argon2Cost = DEFAULT_COST  # REGBOT_ARGON2_{TIME_COST,MEMORY_KIB,PARALLELISM}
    password_threads: int = 0  # REGBOT_PASSWORD_THREADS; 0: the cores but one (per worker)
    password_queue: int = 32  # REGBOT_PASSWORD_QUEUE: hashes waiting before "try again"
    signing_tools: tuple[SigningTool, ...] = DEFAULT_TOOLS  # what /sign offers to install

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        environment = (get("REGBOT_ENV") or "development").lower()  # "Production" too
        if environment not in ENVIRONMENTS:
            # a typo ("prod") must not fall back to development and mount the simulators
            raise ConfigError(
                f"REGBOT_ENV must be one of {', '.join(ENVIRONMENTS)} (it is {environment!r})"
            )
        tools = get("REGBOT_SIGNING_TOOLS")
        try:
            signing_tools = parse_tools(tools) if tools else DEFAULT_TOOLS
        except BadTools as exc:
            raise ConfigError(str(exc)) from exc
        return cls(
            env=environment,
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
            zalo_sends_per_second=_int(env, "ZALO_SENDS_PER_SECOND", 20),
            zalo_event_max_age=(
                _int(env, "ZALO_EVENT_MAX_AGE", 0) if get("ZALO_EVENT_MAX_AGE") else None
            ),
            secret_key=get("REGBOT_SECRET_KEY"),
            ussd_secret=get("USSD_SECRET"),
            public_url=get("REGBOT_PUBLIC_URL"),
            metrics_token=get("REGBOT_METRICS_TOKEN"),
            session_ttl=_int(env, "REGBOT_SESSION_TTL", 15 * 60),
            password_hashing=get("REGBOT_PASSWORD_HASHING") or "standard",
            argon2=Argon2Cost(
                time_cost=_int(env, "REGBOT_ARGON2_TIME_COST", DEFAULT_COST.time_cost),
                memory_kib=_int(env, "REGBOT_ARGON2_MEMORY_KIB", DEFAULT_COST.memory_kib),
                parallelism=_int(env, "REGBOT_ARGON2_PARALLELISM", DEFAULT_COST.parallelism),
            ),
            password_threads=_int(env, "REGBOT_PASSWORD_THREADS", 0),
            password_queue=_int(env, "REGBOT_PASSWORD_QUEUE", 32),
            signing_tools=signing_tools,
        )

    @property
    def password_cost(self) -> Argon2Cost:
        """What argon2id runs at: the settings, or a trivial cost in "fast" mode (tests)."""
        return FAST_COST if self.password_hashing == "fast" else self.argon2

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
    def zalo_event_window(self) -> int:
        """Seconds a signed Zalo event may be old (0: any age). The signature binds the
        timestamp but never expires, so in production a copied event must go stale; in
        development and tests, fixtures keep fixed timestamps (CONTRACTS' example is a
        year old) and the contract's only refusal is a missing or wrong signature."""
        if self.zalo_event_max_age is not None:
            return self.zalo_event_max_age
        return ZALO_EVENT_WINDOW if self.production else 0

    @property
    def simulators_on(self) -> bool:
        return bool(self.simulated)

    def check(self) -> None:
        """Refuse to run production on simulators, without its secrets and stores, or with
        settings that would let a stranger in (a weak key, plain-http links)."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"REGBOT_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.zalo_sends_per_second < 1:
            raise ConfigError("ZALO_SENDS_PER_SECOND must be at least 1")
        if not 0 <= self.zalo_event_window <= ZALO_EVENT_WINDOW_MAX:
            raise ConfigError(
                f"ZALO_EVENT_MAX_AGE must be 0 (any age) to {ZALO_EVENT_WINDOW_MAX} seconds"
            )
        # values no environment can run with: each would fail only later, at a person's
        # password step or first turn
        argon2 = (
            ()  # production says more: below OWASP's minimums
            if self.production
            else (
                ("REGBOT_ARGON2_TIME_COST", self.argon2.time_cost, 1),
                ("REGBOT_ARGON2_PARALLELISM", self.argon2.parallelism, 1),
                ("REGBOT_ARGON2_MEMORY_KIB", self.argon2.memory_kib, 8 * self.argon2.parallelism),
            )
        )
        for name, value, least in (
            *argon2,
            ("REGBOT_PASSWORD_THREADS", self.password_threads, 0),
            ("REGBOT_PASSWORD_QUEUE", self.password_queue, 0),
            ("REGBOT_SESSION_TTL", self.session_ttl, 1),
        ):
            if value < least:
                raise ConfigError(f"{name} must be at least {least} (it is {value})")
        if not self.production:
            return
        problems = []
        if self.simulated:
            problems.append("simulators would be mounted for: " + ", ".join(self.simulated))
        problems += _unset(
            ("REGBOT_SECRET_KEY", self.secret_key),
            ("REDIS_URL", self.redis_url),
            ("DATABASE_URL", self.database_url),
            ("USSD_SECRET", self.ussd_secret),
            ("REGBOT_PUBLIC_URL", self.public_url),
            ("PKI_TRUST_ANCHORS", self.pki_trust_anchors),
            ("PKI_GOV_TRUST_ANCHORS", self.pki_gov_trust_anchors),
        )
        # the key, and the secrets a stranger would send to be let in (the gateway's
        # header, the metrics scraper's bearer token)
        problems += [
            f"{name} is too weak: use at least {MIN_SECRET_KEY} random characters, e.g. "
            "the output of `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            for name, value in (
                ("REGBOT_SECRET_KEY", self.secret_key),
                ("USSD_SECRET", self.ussd_secret),
                ("REGBOT_METRICS_TOKEN", self.metrics_token),
            )
            if value and weak_secret(value)
        ]
        if self.public_url and not _https(self.public_url):
            problems.append(
                "REGBOT_PUBLIC_URL must be an https:// address (signing links are opened there)"
            )
        if self.zalo_app_id:  # the Zalo channel is on: it needs every secret of its OA
            problems += _unset(
                ("ZALO_OA_SECRET_KEY", self.zalo_oa_secret_key),
                ("ZALO_APP_SECRET", self.zalo_app_secret),
                ("ZALO_ACCESS_TOKEN", self.zalo_access_token),
                ("ZALO_REFRESH_TOKEN", self.zalo_refresh_token),
                why=" (ZALO_APP_ID turns Zalo on)",
            )
        if self.password_hashing != "standard":
            problems.append("REGBOT_PASSWORD_HASHING must be standard")
        if not self.argon2.meets_owasp():
            problems.append(f"{self.argon2} is below every one of OWASP's minimums")
        if problems:
            raise ConfigError("REGBOT_ENV=production refuses to start: " + "; ".join(problems))


def weak_secret(secret: str) -> bool:
    """Short, made of few symbols, or holding a placeholder word: not a production key,
    USSD_SECRET or REGBOT_METRICS_TOKEN."""
    lowered = secret.lower()
    return (
        len(secret) < MIN_SECRET_KEY
        or len(set(secret)) < MIN_SECRET_SYMBOLS
        or any(marker in lowered for marker in WEAK_SECRET_MARKERS)
    )


def _https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def _unset(*settings: tuple[str, str | None], why: str = "") -> list[str]:
    """A problem line for each setting production needs and does not have."""
    return [f"{name} is not set{why}" for name, value in settings if not value]
