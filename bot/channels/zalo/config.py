"""The Zalo OA settings as the channel and its simulator use them: URLs resolved, and the
embedded default's stand-in secrets (production refuses to start without real ones)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.config import Settings

CHANNEL: Final = "zalo"
DEFAULT_API_URL: Final = "https://openapi.zalo.me"
DEFAULT_OAUTH_URL: Final = "https://oauth.zaloapp.com"
# Only outside production, where `Settings.check` demands the real ones: the embedded
# default's OA and its simulator agree on these when the settings leave them unset.
DEV_OA_SECRET_KEY: Final = "sim-oa-secret-key"
DEV_APP_SECRET: Final = "sim-app-secret"
DEV_ACCESS_TOKEN: Final = "sim-access-token-0"
DEV_REFRESH_TOKEN: Final = "sim-refresh-token-0"


@dataclass(frozen=True, slots=True)
class ZaloConfig:
    app_id: str
    oa_secret_key: str
    app_secret: str
    access_token: str
    refresh_token: str
    api_url: str
    oauth_url: str
    simulated: bool  # the OA API is this process's `/sim/zalo`
    event_max_age: int = 0  # seconds a signed event may be old; 0: any age

    def __repr__(self) -> str:  # never print a secret by accident
        return f"ZaloConfig(app_id={self.app_id!r}, api_url={self.api_url!r})"


def simulated(settings: Settings) -> bool:
    """An unset ZALO_API_URL means the simulator, except in production (the real API)."""
    return not settings.production and not settings.zalo_api_url


def zalo_config(settings: Settings, self_url: str) -> ZaloConfig:
    sim = simulated(settings)
    sim_url = f"{self_url.rstrip('/')}/sim/{CHANNEL}"
    return ZaloConfig(
        app_id=settings.zalo_app_id or "",
        oa_secret_key=settings.zalo_oa_secret_key or DEV_OA_SECRET_KEY,
        app_secret=settings.zalo_app_secret or DEV_APP_SECRET,
        access_token=settings.zalo_access_token or DEV_ACCESS_TOKEN,
        refresh_token=settings.zalo_refresh_token or DEV_REFRESH_TOKEN,
        api_url=settings.zalo_api_url or (sim_url if sim else DEFAULT_API_URL),
        oauth_url=settings.zalo_oauth_url or (sim_url if sim else DEFAULT_OAUTH_URL),
        simulated=sim,
        event_max_age=settings.zalo_event_window,
    )
