"""Carrier subscriber register port ("thuê bao chính chủ"): `GET /subscribers/{e164}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SubscriberOwner:
    id_number: str
    full_name: str
    date_of_birth: date


@dataclass(frozen=True, slots=True)
class Subscriber:
    msisdn: str
    carrier: str
    owner_registered: bool
    owner: SubscriberOwner | None


class CarrierRegister(Protocol):
    async def lookup(self, msisdn: str) -> Subscriber | None:
        """The subscriber behind an E.164 number, or None (404).

        Raises IntegrationUnavailable / IntegrationRejected.
        """
        ...
