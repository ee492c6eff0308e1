"""`/sign/{token}`: the page, its challenge, and the signature the plugin posts back."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.accounts.evidence import SignatureFormat, SignatureProof
from bot.i18n import LANGUAGES, Msg, msg
from bot.signing.links import LinkRecord, LinkState
from bot.signing.ports import Signing, identity_fields, kind_refusal
from bot.state.store import StoreUnavailable
from bot.validation import mask_phone
from bot.web.bodies import UnreadableBody, read_json
from bot.web.signing_page import PageTools, signing_page
from bot.web.signing_tools import DEFAULT_TOOLS, device_of
from pki_bridge import CertificateRefused, RevocationUnavailable
from pki_bridge.cms import verify_detached_cms
from pki_bridge.signatures import decode_base64, verify_raw

log = logging.getLogger("regbot.bridge")

SIGNING = web.AppKey("signing", Signing)
PAGE_TOOLS = web.AppKey("page_tools", PageTools)
FORMAT_REASONS: Final = frozenset({"malformed_signature", "malformed_certificate"})
STATIC_DIR: Final = Path(__file__).with_name("static")
STATIC_FILES: Final = {
    "signing.js": "text/javascript",
    "signing.css": "text/css",
}
# every answer under /sign - the page, its JSON, its script and style, aiohttp's own 404
# and 405 - never framed (clickjacking the Sign button), never sniffed into another type,
# never naming the link in a Referer, never cached. The script and style hold nothing
# personal, but a page opens once per link, so caching them saves little, and a cached
# script from before a deploy would run against the page after it.
SAFE_HEADERS: Final = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# how the page names the conversation it completes, on channels without a phone number
CHANNEL_NAMES: Final = {
    "telegram": "signing.channel_telegram",
    "zalo": "signing.channel_zalo",
    "console": "signing.channel_console",
}


def signing_app(tools: PageTools | None = None) -> web.Application:
    """The sub-app mounted at `/sign`; the runtime puts the signing ports at SIGNING.
    `tools`: the signing tools the page offers (the setting)."""
    app = web.Application()
    app[PAGE_TOOLS] = tools or PageTools(DEFAULT_TOOLS)
    app.on_response_prepare.append(_safe_headers)
    app.router.add_get("/static/{name}", _guarded(static_file))
    app.router.add_get("/{token}", _guarded(sign_page))
    app.router.add_get("/{token}/challenge", _guarded(challenge))
    app.router.add_post("/{token}", _guarded(post_signature))
    return app


Handler = Callable[[web.Request], Awaitable[web.Response]]


async def _safe_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """SAFE_HEADERS on every answer this sub-app sends, as it is sent: a signal, not a
    handler wrapper, so that an HTTPException raised by a handler and aiohttp's own 404 and
    405 carry them too. A header the answer set itself (the page's CSP) stays."""
    for name, value in SAFE_HEADERS.items():
        response.headers.setdefault(name, value)


def _guarded(handler: Handler) -> Handler:
    """Since the links live in the state store, a clear 503 when it is down, never a 500
    page."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except StoreUnavailable:  # the link, and its language, cannot be read: both
            translator = request.config_dict[SIGNING].translator
            texts = [translator.render(msg("engine.try_again_later"), lang) for lang in LANGUAGES]
            return _error(503, "try_again_later", " / ".join(texts))

    return guarded


def _error(status: int, code: str, text: str) -> web.Response:
    return web.json_response({"error": code, "message": text}, status=status)


async def _open(request: web.Request) -> tuple[Signing, LinkRecord | None, web.Response | None]:
    """The link, or the reply for an unknown (404), expired (410) or used (409) one."""
    signing = request.config_dict[SIGNING]
    record = await signing.links.by_token(request.match_info["token"])
    lang = record.lang if record else "vi"

    def refuse(status: int, code: str) -> web.Response:
        return _error(status, code, signing.translator.render(msg(f"signing.link_{code}"), lang))

    if record is None:
        return signing, None, refuse(404, "unknown")
    if record.state is not LinkState.ISSUED:
        return signing, record, refuse(409, "used")
    if record.expired(signing.links.clock()):
        return signing, record, refuse(410, "expired")
    return signing, record, None


async def sign_page(request: web.Request) -> web.Response:
    """The page to open on the computer with the token: what to install for that
    computer (the User-Agent says which), then sign."""
    signing, record, refused = await _open(request)
    tools = request.app[PAGE_TOOLS]
    lang = record.lang if record else "vi"
    status = refused.status if refused is not None else 200
    started_by = _started_by(record) if record is not None and refused is None else None
    page = signing_page(
        signing.translator,
        lang,
        ok=refused is None,
        status=status,
        tools=tools,
        device=device_of(request.headers.get("User-Agent", "")),
        official=record is not None and record.official,
        started_by=started_by,
    )
    return web.Response(
        text=page,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": tools.policy()},
    )


async def static_file(request: web.Request) -> web.Response:
    """The page's script and style: files of this origin, so a strict CSP allows them;
    not cached, like every answer under /sign (SAFE_HEADERS)."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.Response(
        body=(STATIC_DIR / name).read_bytes(), content_type=STATIC_FILES[name], charset="utf-8"
    )


def _started_by(record: LinkRecord) -> Msg:
    """Which conversation the link completes: the masked number that dialled (USSD), or
    the channel - so a person sent someone else's link can tell it is not theirs."""
    if record.channel == "ussd":
        return msg("signing.page_started_by_phone", phone=mask_phone(record.user_id))
    name = CHANNEL_NAMES.get(record.channel, "signing.channel_other")
    return msg("signing.page_started_on", channel=msg(name))


async def challenge(request: web.Request) -> web.Response:
    _, record, refused = await _open(request)
    if refused is not None:
        return refused
    assert record is not None
    expires = dt.datetime.fromtimestamp(record.expires_at, dt.UTC).isoformat(timespec="seconds")
    return web.json_response({"challenge": record.challenge, "expires_at": expires})


class BadFormat(Exception):
    """The body is not one of the two forms of CONTRACTS."""


@dataclass(frozen=True, slots=True)
class Signed:
    """A signature that covers the challenge, as it came, and the certificates to check."""

    format: SignatureFormat
    signature: bytes
    certificate: bytes
    chain: tuple[bytes, ...]


def _signed_by(body: Any, content: bytes) -> Signed:
    """Check the signature covers the challenge; what to validate and to keep.

    Raises BadFormat, or CertificateRefused("bad_signature").
    """
    if not isinstance(body, dict) or not isinstance(body.get("signature"), str):
        raise BadFormat("a JSON object with a base64 signature is expected")
    try:
        signature = decode_base64(body["signature"])
        if "certificate" not in body:  # detached CMS SignedData
            signed = verify_detached_cms(signature, content)
            return Signed(SignatureFormat.CMS, signature, signed.certificate_der, signed.chain_ders)
        chain = body.get("chain") or []
        algorithm = str(body.get("hash_algorithm", "SHA256")).upper().replace("-", "")
        if not isinstance(body["certificate"], str) or not isinstance(chain, list):
            raise BadFormat("certificate must be base64 and chain a list")
        if algorithm != "SHA256":
            raise BadFormat("hash_algorithm must be SHA256")
        if not all(isinstance(c, str) for c in chain):
            raise BadFormat("chain must be a list of base64 certificates")
        certificate = decode_base64(body["certificate"])
        chain_ders = tuple(decode_base64(c) for c in chain)
        verify_raw(signature, certificate, data=content)
        return Signed(SignatureFormat.RAW, signature, certificate, chain_ders)
    except CertificateRefused as refused:
        if refused.reason in FORMAT_REASONS:
            raise BadFormat(refused.reason) from refused
        raise


async def post_signature(request: web.Request) -> web.Response:
    """Accept the plugin's signature once: 200, 400, 409, 410 or 422 (CONTRACTS)."""
    signing = request.config_dict[SIGNING]
    token = request.match_info["token"]
    try:
        body = await read_json(request)
    except UnreadableBody as unreadable:
        # bytes that are not what their headers say (an unknown charset, a gzip that is
        # not, JSON deeper than the parser recurses): refused before the link is looked
        # up, so the link is neither read nor spent; no page sends such a body, hence
        # the default language
        log.info("signature body unreadable: %s", unreadable)
        return _error(400, "bad_format", signing.translator.render(msg("signing.bad_format"), "vi"))
    async with signing.links.settling(token) as link_id:
        _, record, refused = await _open(request)
        if refused is not None:
            return refused
        assert record is not None
        render = signing.translator.render
        try:
            signed = _signed_by(body, record.challenge_bytes)
            checker = signing.gov if record.official else signing.public
            verified = await checker.check(signed.certificate, signed.chain)
        except BadFormat as bad:
            log.info("signature body refused: %s", bad)  # for whoever writes a plugin adapter
            return _error(400, "bad_format", render(msg("signing.bad_format"), record.lang))
        except RevocationUnavailable as later:  # the link stays usable: try again later
            return _error(422, "revocation_unavailable", render(later.message, record.lang))
        except CertificateRefused as no:
            await signing.links.settle(link_id, record, state=LinkState.REFUSED, reason=no.reason)
            await _continue(signing, record)
            return _error(422, no.reason, render(no.message, record.lang))
        identity = verified.identity
        mismatch = kind_refusal(record.kind, identity)
        if mismatch is not None:
            await signing.links.settle(
                link_id, record, state=LinkState.REFUSED, reason=f"kind_mismatch_{record.kind}"
            )
            await _continue(signing, record)
            return _error(422, "kind_mismatch", render(mismatch, record.lang))
        proof = SignatureProof(
            record.challenge_bytes, signed.format, signed.signature, verified.evidence
        )
        await signing.links.settle(
            link_id,
            record,
            state=LinkState.SIGNED,
            identity=identity_fields(identity),
            proof=await signing.proofs.keep(proof),
        )
    await _continue(signing, record)
    return web.json_response({"status": "accepted"})


async def _continue(signing: Signing, record: LinkRecord) -> None:
    """The conversation goes on by itself where the channel can push."""
    signing.events.arrived(record.channel, record.user_id, record.wait_step)
