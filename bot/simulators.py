"""`regbot simulators`: the `/sim/...` apps on their own, for benchmarks and for partners
testing their integration; regbot then reaches them through its `*_URL` settings."""

from __future__ import annotations

import sys
from typing import Final

from aiohttp import web

from bot.config import Settings
from bot.serve import self_url
from bot.web.simulation import simulation

SYSTEMS: Final = (("SMS_URL", "sms"), ("CARRIER_URL", "carrier"), ("BHXH_URL", "bhxh"))


def build_simulators(base_url: str, *, samples: bool = True) -> web.Application:
    """`/sim/sms`, `/sim/carrier`, `/sim/bhxh`, `/sim/mssp`, `/sim/pki` and `/healthz`.

    The signing-SIM simulator's CA is `/sim/pki/ca.pem`: regbot trusts it only when told
    (`PKI_TRUST_ANCHORS`), as it would a real CA.
    """
    simulated = simulation(Settings(), base_url, samples=samples)  # every system: no *_URL
    if simulated.web_app is None:
        raise RuntimeError("no simulator to serve")
    app = web.Application()
    app.add_subapp("/sim", simulated.web_app)
    app.router.add_get("/healthz", _healthz)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def settings_for(base_url: str) -> str:
    """What to give `regbot serve` so that it uses these simulators."""
    sim = f"{base_url.rstrip('/')}/sim"
    lines = [f"{name}={sim}/{path}" for name, path in SYSTEMS]
    lines.append(f"MSSP_URL={sim}/mssp")
    lines.append(f'PKI_TRUST_ANCHORS="$(curl -s {sim}/pki/ca.pem)"  # for signing SIMs')
    return "\n".join(lines)


def run_simulators(settings: Settings, host: str, port: int, *, samples: bool = True) -> int:
    """Serve until SIGINT/SIGTERM; never with REGBOT_ENV=production (they hand out OTPs,
    registers and a CA that mints signing SIMs)."""
    if settings.production:
        print("REGBOT_ENV=production refuses to run the simulators", file=sys.stderr)
        return 2
    base = self_url(host, port)
    print(f"simulators on {base}/sim; for regbot serve:\n{settings_for(base)}", file=sys.stderr)
    web.run_app(
        build_simulators(base, samples=samples),
        host=host,
        port=port,
        access_log=None,
        print=lambda line: print(line, file=sys.stderr, flush=True),
    )
    return 0
