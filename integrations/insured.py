"""Social insurance (BHXH) register port. Contract: `GET {BHXH_URL}/insured/{bhxh_code}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True, slots=True)
class InsuredPerson:
    bhxh_code: str
    full_name: str
    date_of_birth: date
    gender: str  # "male" | "female"
    id_number: str
    phone: str | None  # E.164, or None when the record has no phone


class InsuredRegister(Protocol):
    async def lookup(self, bhxh_code: str) -> InsuredPerson | None:
        """The insured person with this code, or None (404).

        Raises IntegrationUnavailable / IntegrationRejected.
        """
        ...
