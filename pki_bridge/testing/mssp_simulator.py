"""Mobile signature service simulator: signing SIMs with keys from its own CA, a person's phone."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import phonenumbers
from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from integrations.simulators.lookups import add_lookup_counter, count_lookup
from pki_bridge.mssp import verification_code
from pki_bridge.testing.authority import CaUrls, CertificateAuthority, Issued, new_key, subject_name

MAX_PIN_FAILURES: Final = 3
DEFAULT_REQUEST_TIMEOUT: Final = 60.0


@dataclass(slots=True)
class Sim:
    phone: str
    issued: Issued
    pin: str
    failures: int = 0

    @property
    def locked(self) -> bool:
        return self.failures >= MAX_PIN_FAILURES


@dataclass(slots=True)
class SignatureSession:
    session_id: str
    phone: str
    hash_bytes: bytes
    display_text: str
    started: float
    result: str | None = None  # None while RUNNING
    reply: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class MsspSimulatorState:
    ca: CertificateAuthority
    request_timeout: float
    clock: Callable[[], float]
    sims: dict[str, Sim] = field(default_factory=dict)
    sessions: dict[str, SignatureSession] = field(default_factory=dict)

    def refresh(self, session: SignatureSession) -> SignatureSession:
        """A request nobody answered in time ends as TIMEOUT."""
        if session.result is None and self.clock() - session.started > self.request_timeout:
            session.result = "TIMEOUT"
        return session


MSSP_STATE = web.AppKey("mssp_state", MsspSimulatorState)


def simulator_ca(pki_base_url: str) -> CertificateAuthority:
    """The simulator's CA, publishing its CRL and OCSP responder as `mssp` under
    `pki_base_url` (`CaUrls.under`; serve them with the PKI simulator)."""
    return CertificateAuthority.root(
        "Test Mobile Signature CA",
        organization="Test MSSP",
        urls=CaUrls.under(pki_base_url, "mssp"),
    )


def e164(phone: str) -> str:
    """`0912 345 678`, `84912345678`, `+84912345678` -> `+84912345678`."""
    try:
        number = phonenumbers.parse(phone, "VN")
    except phonenumbers.NumberParseException as exc:
        raise web.HTTPBadRequest(
            text='{"error": "bad phone"}', content_type="application/json"
        ) from exc
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _sign(issued: Issued, digest: bytes) -> tuple[bytes, str]:
    key, prehashed = issued.key, utils.Prehashed(hashes.SHA256())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), prehashed), "rsa-pkcs1-sha256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(prehashed)), "ecdsa-sha256"
    raise ValueError("the SIM has no key")


async def _json_object(request: web.Request) -> dict[str, object]:
    """The body as a JSON object, or a 400 `{"error"}` reply (never a 500)."""
    try:
        body = json.loads(await request.text())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be a JSON object"}),
            content_type="application/json",
        )
    return body


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _issue_sim(request: web.Request) -> web.Response:
    state, body = request.app[MSSP_STATE], await _json_object(request)
    phone = e164(str(body.get("phone", "")))
    name, pin = str(body.get("full_name", "")).strip(), str(body.get("pin", ""))
    if body.get("tax_code"):
        subject = subject_name(name, uid=f"MST:{body['tax_code']}", organization=name)
    elif body.get("id_number"):
        id_number = str(body["id_number"])
        id_type = "CMND" if len(id_number) == 9 else "CCCD"
        subject = subject_name(name, uid=f"{id_type}:{id_number}")
    else:
        return web.json_response({"error": "id_number or tax_code required"}, status=400)
    if not name or not pin:
        return web.json_response({"error": "full_name and pin required"}, status=400)
    issued = state.ca.issue(subject, key=new_key(str(body.get("key_type", "ec"))))
    state.sims[phone] = Sim(phone, issued, pin)
    return web.json_response({"phone": phone, "certificate": _b64(issued.der)}, status=201)


async def _start(request: web.Request) -> web.Response:
    state, body = request.app[MSSP_STATE], await _json_object(request)
    try:
        hash_bytes = base64.b64decode(str(body.get("hash", "")), validate=True)
    except (binascii.Error, ValueError):
        hash_bytes = b""
    if len(hash_bytes) != 32 or body.get("hash_algorithm") != "SHA256":
        return web.json_response({"error": "hash must be a base64 SHA-256"}, status=400)
    phone = e164(str(body.get("phone", "")))
    count_lookup(request, phone)
    session = SignatureSession(
        secrets.token_urlsafe(12),
        phone,
        hash_bytes,
        str(body.get("display_text", "")),
        state.clock(),
    )
    sim = state.sims.get(phone)
    if sim is None:
        session.result = "NOT_A_SIGNING_SIM"
    elif sim.locked:
        session.result = "WRONG_PIN_LOCKED"
    state.sessions[session.session_id] = session
    return web.json_response({"session_id": session.session_id})


async def _status(request: web.Request) -> web.Response:
    state = request.app[MSSP_STATE]
    session = state.sessions.get(request.match_info["session_id"])
    if session is None:
        return web.json_response({"error": "unknown session"}, status=404)
    state.refresh(session)
    if session.result is None:
        return web.json_response({"state": "RUNNING"})
    return web.json_response({"state": "COMPLETE", "result": session.result, **session.reply})


async def _pending(request: web.Request) -> web.Response:
    state = request.app[MSSP_STATE]
    phone = e164(request.query.get("phone", ""))
    pending = [
        {
            "session_id": s.session_id,
            "display_text": s.display_text,
            "verification_code": verification_code(s.hash_bytes),
        }
        for s in state.sessions.values()
        if s.phone == phone and state.refresh(s).result is None
    ]
    return web.json_response(pending)


async def _answer(request: web.Request) -> web.Response:
    state, body = request.app[MSSP_STATE], await _json_object(request)
    session = state.sessions.get(request.match_info["session_id"])
    if session is None or state.refresh(session).result is not None:
        return web.json_response({"error": "no such pending request"}, status=404)
    sim = state.sims[session.phone]
    if body.get("action") == "refuse":
        session.result = "USER_REFUSED"
        return web.json_response({"result": session.result})
    if body.get("action") != "approve":
        return web.json_response({"error": "action must be approve or refuse"}, status=400)
    if not secrets.compare_digest(str(body.get("pin", "")), sim.pin):
        sim.failures += 1
        if sim.locked:
            session.result = "WRONG_PIN_LOCKED"
            return web.json_response({"result": session.result}, status=403)
        return web.json_response(
            {"error": "wrong_pin", "attempts_left": MAX_PIN_FAILURES - sim.failures}, status=403
        )
    sim.failures = 0
    signature, algorithm = _sign(sim.issued, session.hash_bytes)
    session.result = "OK"
    session.reply = {
        "signature": _b64(signature),
        "signature_algorithm": algorithm,
        "certificate": _b64(sim.issued.der),
        "chain": [_b64(der) for der in sim.issued.chain_ders],
    }
    return web.json_response({"result": session.result})


def build_mssp_simulator(
    ca: CertificateAuthority,
    *,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    clock: Callable[[], float] = time.monotonic,
) -> web.Application:
    """An app to mount at `/sim/mssp`: the contract's `POST /signature` and
    `GET /signature/{id}`, and the control endpoints `POST /sims`, `GET /pending?phone=`,
    `POST /pending/{session_id}`, `GET /lookups` (signature requests per phone). A request
    unanswered for `request_timeout` s is TIMEOUT."""
    app = web.Application()
    app[MSSP_STATE] = MsspSimulatorState(ca, request_timeout, clock)
    app.router.add_post("/signature", _start)
    app.router.add_get("/signature/{session_id}", _status)
    app.router.add_post("/sims", _issue_sim)
    app.router.add_get("/pending", _pending)
    app.router.add_post("/pending/{session_id}", _answer)
    add_lookup_counter(app)
    return app
