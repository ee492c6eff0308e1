"""SMS gateway port (OTP delivery). Contract: `POST {SMS_URL}/messages`."""

from __future__ import annotations

from typing import Protocol


class SmsGateway(Protocol):
    async def send(self, to: str, text: str) -> str:
        """Send `text` to the E.164 number `to`; return the gateway's message id.

        Raises IntegrationUnavailable / IntegrationRejected.
        """
        ...
