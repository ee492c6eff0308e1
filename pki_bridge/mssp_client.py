"""The mobile signature service's HTTP client (CONTRACTS.md, "Outbound: mobile signature
service"): `POST {MSSP_URL}/signature`, `GET {MSSP_URL}/signature/{session_id}`."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from integrations.http import JsonClient, bad_reply, path_segment
from pki_bridge.mssp import (
    DEFAULT_INTERVAL,
    DEFAULT_TOTAL_TIMEOUT,
    MobileSignatureService,
    MsspResult,
    SignatureOutcome,
    await_result,
)


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise bad_reply("mssp", f"{what} missing")
    try:  # strict, but a service that wraps its lines (MIME's 76 characters) is heard
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_reply("mssp", f"{what} is not base64") from exc


def outcome_from_json(body: Any) -> SignatureOutcome | None:
    """Read the contract's `GET /signature/{id}` reply."""
    if not isinstance(body, dict):
        raise bad_reply("mssp", "not an object")
    state = body.get("state")
    if state == "RUNNING":
        return None
    if state != "COMPLETE":
        raise bad_reply("mssp", f"unknown state {state!r}")
    try:
        result = MsspResult(str(body.get("result")))
    except ValueError as exc:
        raise bad_reply("mssp", "unknown result") from exc
    if result is not MsspResult.OK:
        return SignatureOutcome(result)
    chain = body.get("chain") or []
    if not isinstance(chain, list):
        raise bad_reply("mssp", "chain is not a list")
    return SignatureOutcome(
        result,
        signature=_b64(body.get("signature"), "signature"),
        signature_algorithm=str(body.get("signature_algorithm", "")),
        certificate=_b64(body.get("certificate"), "certificate"),
        chain=tuple(_b64(c, "chain") for c in chain),
    )


class MsspHttpClient(JsonClient):
    """`POST {MSSP_URL}/signature`, `GET {MSSP_URL}/signature/{session_id}`."""

    SYSTEM = "mssp"

    async def start(self, phone: str, hash_bytes: bytes, display_text: str) -> str:
        body = {
            "phone": phone,
            "hash": base64.b64encode(hash_bytes).decode(),
            "hash_algorithm": "SHA256",
            "display_text": display_text,
        }
        reply = await self._http.request("POST", "/signature", body=body)
        answer = reply.body if reply is not None else None
        if not isinstance(answer, dict) or not isinstance(answer.get("session_id"), str):
            raise bad_reply("mssp", "no session id")
        return str(answer["session_id"])

    async def poll(self, session_id: str) -> SignatureOutcome | None:
        reply = await self._http.request("GET", "/signature/" + path_segment(session_id))
        return outcome_from_json(reply.body if reply is not None else None)

    async def await_result(
        self,
        session_id: str,
        *,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        interval: float = DEFAULT_INTERVAL,
    ) -> SignatureOutcome:
        return await await_result(self, session_id, total_timeout=total_timeout, interval=interval)


_: type[MobileSignatureService] = MsspHttpClient  # mypy: the client fits the port
