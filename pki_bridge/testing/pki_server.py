"""The CAs' public side for tests and demos: anchor, CA certificates (AIA), CRLs and OCSP
responders over HTTP, with switches that make a CA fail or misbehave."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from pki_bridge.testing.authority import (
    CertificateAuthority,
    Issued,
    new_key,
    pem_bundle,
    subject_name,
)

MAX_OCSP_REQUEST: Final = 10_000  # bytes; a real request for one certificate is ~100


class OcspAnswer(StrEnum):
    """How the responders answer: honestly, or in one of the ways a client must not trust."""

    HONEST = "honest"
    UNKNOWN = "unknown"  # "I do not know this certificate"
    OTHER_CERTIFICATE = "other_certificate"  # a good answer about another serial number
    UNAUTHORISED_KEY = "unauthorised_key"  # signed by a key the CA never made a responder
    REPLAYED = "replayed"  # a "good" captured 20 h ago, before any revocation, no nonce


REPLAYED_AGE: Final = dt.timedelta(hours=20)  # how old the replayed answer's thisUpdate is


@dataclass(slots=True)
class PkiSimulatorState:
    """What the simulator publishes and how it fails, per CA (by name): unreachable CRLs
    (503), unreachable responders (503), CRLs past their nextUpdate, CRLs signed by a key
    that is not the CA's (listing nothing); and how its responders answer."""

    anchor: CertificateAuthority
    authorities: Mapping[str, CertificateAuthority]
    crl_unreachable: frozenset[str] = frozenset()
    ocsp_unreachable: frozenset[str] = frozenset()
    crl_stale: frozenset[str] = frozenset()
    crl_forged: frozenset[str] = frozenset()
    ocsp_answer: OcspAnswer = OcspAnswer.HONEST
    crl_requests: int = 0
    ocsp_requests: int = 0
    ca_requests: int = 0


PKI_STATE = web.AppKey("pki_state", PkiSimulatorState)


def answer_ocsp(
    ca: CertificateAuthority,
    request: ocsp.OCSPRequest,
    *,
    now: dt.datetime | None = None,
    status: ocsp.OCSPCertStatus | None = None,
    serial: int | None = None,
    signer: Issued | None = None,
    this_update: dt.datetime | None = None,
    echo_nonce: bool = True,
) -> bytes:
    """The DER OCSP response of `ca` to `request` (RFC 6960): revoked if it revoked the
    certificate, good if it issued it, unknown otherwise; as of a minute ago, valid for an
    hour; the nonce is echoed. `status`, `serial` (an answer about another certificate),
    `signer` (another key), `this_update` and `echo_nonce` misbehave."""
    now = now or dt.datetime.now(dt.UTC)
    serial = request.serial_number if serial is None else serial
    if status is None:
        status = (
            ocsp.OCSPCertStatus.REVOKED
            if serial in ca.revoked
            else ocsp.OCSPCertStatus.GOOD
            if serial in ca.serials
            else ocsp.OCSPCertStatus.UNKNOWN
        )
    revoked = status is ocsp.OCSPCertStatus.REVOKED
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=serial,
        algorithm=request.hash_algorithm,
        cert_status=status,
        this_update=this_update or now - dt.timedelta(minutes=1),
        next_update=now + dt.timedelta(hours=1),
        revocation_time=ca.revoked.get(serial, now) if revoked else None,
        revocation_reason=None,
    )
    signer = signer or ca.issued
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
    if signer is not ca.issued:
        builder = builder.certificates([signer.certificate])
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
        if echo_nonce:
            builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    if signer.key is None:
        raise ValueError("an OCSP responder needs its private key")
    return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _authority(request: web.Request, suffix: str = "") -> tuple[str, CertificateAuthority]:
    name = request.match_info["name"].removesuffix(suffix)
    authority = request.app[PKI_STATE].authorities.get(name)
    if authority is None:
        raise web.HTTPNotFound()
    return name, authority


async def _ca_pem(request: web.Request) -> web.Response:
    state = request.app[PKI_STATE]
    return web.Response(
        body=pem_bundle([state.anchor.certificate]), content_type="application/x-pem-file"
    )


async def _ca_cert(request: web.Request) -> web.Response:
    """AIA caIssuers: the CA's own certificate, DER."""
    request.app[PKI_STATE].ca_requests += 1
    _, authority = _authority(request, ".cer")
    der = authority.certificate.public_bytes(serialization.Encoding.DER)
    return web.Response(body=der, content_type="application/pkix-cert")


async def _crl(request: web.Request) -> web.Response:
    state = request.app[PKI_STATE]
    state.crl_requests += 1
    name, authority = _authority(request, ".crl")
    if name in state.crl_unreachable:
        raise web.HTTPServiceUnavailable()
    if name in state.crl_forged:  # the CA's name, another key, nothing revoked
        authority = CertificateAuthority(Issued(authority.certificate, new_key()))
    now = dt.datetime.now(dt.UTC)
    stale = name in state.crl_stale
    crl = authority.crl(now=now - dt.timedelta(days=2)) if stale else authority.crl()
    return web.Response(
        body=crl.public_bytes(serialization.Encoding.DER), content_type="application/pkix-crl"
    )


def _stranger(ca: CertificateAuthority) -> Issued:
    """A key the CA certified for something else (no id-kp-OCSPSigning): not a responder."""
    return ca.issue(subject_name("Not an OCSP responder"), usage=frozenset({"digital_signature"}))


async def _ocsp(request: web.Request) -> web.Response:
    state = request.app[PKI_STATE]
    state.ocsp_requests += 1
    name, authority = _authority(request)
    if name in state.ocsp_unreachable:
        raise web.HTTPServiceUnavailable()
    body = await request.content.read(MAX_OCSP_REQUEST + 1)
    try:
        if len(body) > MAX_OCSP_REQUEST:
            raise ValueError("too large")
        ocsp_request = ocsp.load_der_ocsp_request(body)
    except ValueError:
        der = ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    else:
        answer = state.ocsp_answer
        replayed = answer is OcspAnswer.REPLAYED
        status = {
            OcspAnswer.UNKNOWN: ocsp.OCSPCertStatus.UNKNOWN,
            OcspAnswer.REPLAYED: ocsp.OCSPCertStatus.GOOD,  # as it was before the revocation
        }.get(answer)
        der = answer_ocsp(
            authority,
            ocsp_request,
            status=status,
            serial=ocsp_request.serial_number + 1
            if answer is OcspAnswer.OTHER_CERTIFICATE
            else None,
            signer=_stranger(authority) if answer is OcspAnswer.UNAUTHORISED_KEY else None,
            this_update=dt.datetime.now(dt.UTC) - REPLAYED_AGE if replayed else None,
            echo_nonce=not replayed,
        )
    return web.Response(body=der, content_type="application/ocsp-response")


_SWITCHES: Final = ("crl_unreachable", "ocsp_unreachable", "crl_stale", "crl_forged")


def _names(value: object, known: Mapping[str, object]) -> frozenset[str]:
    """A switch's value: true (every CA), false, or a list of CA names."""
    if isinstance(value, bool):
        return frozenset(known) if value else frozenset()
    if isinstance(value, list) and all(name in known for name in value):
        return frozenset(value)
    raise ValueError("a switch is true, false or a list of CA names")


async def _faults(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    state = request.app[PKI_STATE]
    try:
        answer = OcspAnswer(str(body.get("ocsp_answer", OcspAnswer.HONEST)))
        switches = {key: _names(body.get(key, False), state.authorities) for key in _SWITCHES}
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    state.ocsp_answer = answer
    for key, names in switches.items():
        setattr(state, key, names)
    return web.json_response(
        {"ocsp_answer": answer, **{key: sorted(names) for key, names in switches.items()}}
    )


def build_pki_simulator(
    anchor: CertificateAuthority, authorities: Mapping[str, CertificateAuthority]
) -> web.Application:
    """An app to mount at `/sim/pki` (the layout of `CaUrls.under`): `GET /ca.pem` (the
    anchor), `GET /ca/{name}.cer`, `GET /crl/{name}.crl` (a fresh CRL), `POST /ocsp/{name}`
    (an OCSP responder), and `POST /faults` {"crl_unreachable", "ocsp_unreachable",
    "crl_stale", "crl_forged": true | false | [CA names], "ocsp_answer": OcspAnswer} (an
    absent key resets its switch)."""
    app = web.Application()
    app[PKI_STATE] = PkiSimulatorState(anchor, authorities)
    app.router.add_get("/ca.pem", _ca_pem)
    app.router.add_get("/ca/{name}", _ca_cert)
    app.router.add_get("/crl/{name}", _crl)
    app.router.add_post("/ocsp/{name}", _ocsp)
    app.router.add_post("/faults", _faults)
    return app
