"""`regbot simulators`: the `/sim/...` apps on their own, for benchmarks and for partners
testing their integration; regbot then reaches them through its `*_URL` settings."""

from __future__ import annotations

import dataclasses
import sys
from typing import Final

from aiohttp import web

from bot.channels.zalo.config import ZaloConfig, zalo_config
from bot.channels.zalo.simulator import ZaloSimState, zalo_simulator
from bot.config import Settings
from bot.serve import listen, self_url
from bot.web.simulation import simulation

SYSTEMS: Final = (("SMS_URL", "sms"), ("CARRIER_URL", "carrier"), ("BHXH_URL", "bhxh"))
ZALO_WEBHOOK: Final = "http://127.0.0.1:8080/zalo"  # `regbot serve` at its default address
SIM_ZALO_APP_ID: Final = "sim-zalo-app"  # when ZALO_APP_ID is unset


def build_simulators(
    base_url: str,
    *,
    samples: bool = True,
    settings: Settings | None = None,
    zalo_webhook: str = ZALO_WEBHOOK,
    open_to_network: bool = False,
) -> web.Application:
    """`/sim/sms`, `/sim/carrier`, `/sim/bhxh`, `/sim/mssp`, `/sim/pki`, `/sim/zalo` and
    `/healthz`.

    The signing-SIM simulator's CA is `/sim/pki/ca.pem`: regbot trusts it only when told
    (`PKI_TRUST_ANCHORS`), as it would a real CA. The Zalo simulator delivers its users'
    events to `zalo_webhook` (regbot's `/zalo`), signed with the OA's settings as regbot
    reads them (`ZALO_APP_ID`, `ZALO_OA_SECRET_KEY`...; unset, the same stand-ins).
    Other machines get 404 unless `open_to_network` (`--open`).
    """
    zalo = zalo_simulator(ZaloSimState.of(_zalo_settings(settings, base_url), [zalo_webhook]))
    simulated = simulation(  # every system: no *_URL
        Settings(),
        base_url,
        samples=samples,
        platforms={"zalo": zalo},
        open_to_network=open_to_network,
    )
    if simulated.web_app is None:
        raise RuntimeError("no simulator to serve")
    app = web.Application()
    app.add_subapp("/sim", simulated.web_app)
    app.router.add_get("/healthz", _healthz)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _zalo_settings(settings: Settings | None, base_url: str) -> ZaloConfig:
    """The OA the simulated Zalo stands in for: regbot's settings, or the stand-ins."""
    settings = settings or Settings()
    app_id = settings.zalo_app_id or SIM_ZALO_APP_ID
    return zalo_config(dataclasses.replace(settings, zalo_app_id=app_id), base_url)


def settings_for(base_url: str, settings: Settings | None = None) -> str:
    """What to give `regbot serve` so that it uses these simulators."""
    sim = f"{base_url.rstrip('/')}/sim"
    lines = [f"{name}={sim}/{path}" for name, path in SYSTEMS]
    lines.append(f"MSSP_URL={sim}/mssp")
    app_id = (settings.zalo_app_id if settings else None) or SIM_ZALO_APP_ID
    lines += [f"ZALO_APP_ID={app_id}", f"ZALO_API_URL={sim}/zalo", f"ZALO_OAUTH_URL={sim}/zalo"]
    lines.append(f'PKI_TRUST_ANCHORS="$(curl -s {sim}/pki/ca.pem)"  # for signing SIMs')
    return "\n".join(lines)


def run_simulators(
    settings: Settings,
    host: str,
    port: int,
    *,
    samples: bool = True,
    zalo_webhook: str = ZALO_WEBHOOK,
    open_to_network: bool = False,
) -> int:
    """Serve until SIGINT/SIGTERM; never with REGBOT_ENV=production (they hand out OTPs,
    registers and a CA that mints signing SIMs)."""
    if settings.production:
        print("REGBOT_ENV=production refuses to run the simulators", file=sys.stderr)
        return 2
    base = self_url(host, port)
    advice = settings_for(base, settings)
    print(f"simulators on {base}/sim; for regbot serve:\n{advice}", file=sys.stderr)
    print(f"Zalo events go to {zalo_webhook} (--zalo-webhook)", file=sys.stderr)
    print(_reach(host, open_to_network), file=sys.stderr)
    app = build_simulators(
        base,
        samples=samples,
        settings=settings,
        zalo_webhook=zalo_webhook,
        open_to_network=open_to_network,
    )
    return listen(
        lambda: web.run_app(
            app,
            host=host,
            port=port,
            access_log=None,
            print=lambda line: print(line, file=sys.stderr, flush=True),
        )
    )


def _reach(host: str, open_to_network: bool) -> str:
    """Who may use them, said at start: a partner on another machine meeting 404 must know
    why, and an open listener must not be open by accident."""
    if open_to_network:
        return (
            f"--open: any machine that reaches {host} may use them (they hand out every OTP "
            "and mint signing SIMs): a test network only"
        )
    if host in ("127.0.0.1", "::1", "localhost"):
        return "this machine only"
    return f"listening on {host}, but other machines get 404 unless --open"
