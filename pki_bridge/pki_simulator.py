"""The CA's public side for tests and demos: `/sim/pki/ca.pem` and the CRLs, with a fault switch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from cryptography.hazmat.primitives import serialization

from pki_bridge.authority import CertificateAuthority, pem_bundle


@dataclass(slots=True)
class PkiSimulatorState:
    """What the simulator publishes; `crl_unreachable` makes every CRL answer 503."""

    anchor: CertificateAuthority
    authorities: Mapping[str, CertificateAuthority]
    crl_unreachable: bool = False
    crl_requests: int = 0


PKI_STATE = web.AppKey("pki_state", PkiSimulatorState)


async def _ca_pem(request: web.Request) -> web.Response:
    state = request.app[PKI_STATE]
    return web.Response(
        body=pem_bundle([state.anchor.certificate]), content_type="application/x-pem-file"
    )


async def _crl(request: web.Request) -> web.Response:
    state = request.app[PKI_STATE]
    state.crl_requests += 1
    if state.crl_unreachable:
        raise web.HTTPServiceUnavailable()
    name = request.match_info["name"].removesuffix(".crl")
    authority = state.authorities.get(name)
    if authority is None:
        raise web.HTTPNotFound()
    der = authority.crl().public_bytes(serialization.Encoding.DER)
    return web.Response(body=der, content_type="application/pkix-crl")


async def _faults(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    state = request.app[PKI_STATE]
    state.crl_unreachable = bool(body.get("crl_unreachable", False))
    return web.json_response({"crl_unreachable": state.crl_unreachable})


def build_pki_simulator(
    anchor: CertificateAuthority, authorities: Mapping[str, CertificateAuthority]
) -> web.Application:
    """An app to mount at `/sim/pki`: `GET /ca.pem` (the anchor), `GET /crl/{name}.crl`
    (a fresh CRL of `authorities[name]`) and `POST /faults {"crl_unreachable": bool}`."""
    app = web.Application()
    app[PKI_STATE] = PkiSimulatorState(anchor, authorities)
    app.router.add_get("/ca.pem", _ca_pem)
    app.router.add_get("/crl/{name}", _crl)
    app.router.add_post("/faults", _faults)
    return app
