"""The contract's JSON bodies <-> port dataclasses, shared by the HTTP clients and simulators."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from integrations.carrier import Subscriber, SubscriberOwner
from integrations.insured import InsuredPerson

E164: Final = re.compile(r"^\+[1-9]\d{7,14}$")
BHXH_CODE: Final = re.compile(r"^\d{10}$")
ID_NUMBER: Final = re.compile(r"^\d{9}$|^\d{12}$")
GENDERS: Final = ("male", "female")


class WireError(ValueError):
    """A body does not follow the contract; the message names the field."""


def _field(obj: dict[str, Any], name: str, kind: type) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise WireError(f"{name}: expected a non-empty {kind.__name__}")
    return value


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(f"{name}: expected a JSON object")
    return value


def _matching(obj: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value: str = _field(obj, name, str)
    if not pattern.match(value):
        raise WireError(f"{name}: not in the expected format")
    return value


def _iso_date(obj: dict[str, Any], name: str) -> date:
    value: str = _field(obj, name, str)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise WireError(f"{name}: expected an ISO date YYYY-MM-DD") from exc


def subscriber_from_json(body: Any) -> Subscriber:
    obj = _object(body, "body")
    owner_registered = obj.get("owner_registered")
    if not isinstance(owner_registered, bool):
        raise WireError("owner_registered: expected true or false")
    raw_owner = obj.get("owner")
    owner = None
    if raw_owner is not None:
        owner_obj = _object(raw_owner, "owner")
        owner = SubscriberOwner(
            id_number=_matching(owner_obj, "id_number", ID_NUMBER),
            full_name=_field(owner_obj, "full_name", str),
            date_of_birth=_iso_date(owner_obj, "date_of_birth"),
        )
    return Subscriber(
        msisdn=_matching(obj, "msisdn", E164),
        carrier=_field(obj, "carrier", str),
        owner_registered=owner_registered,
        owner=owner,
    )


def subscriber_to_json(subscriber: Subscriber) -> dict[str, Any]:
    owner = subscriber.owner
    return {
        "msisdn": subscriber.msisdn,
        "carrier": subscriber.carrier,
        "owner_registered": subscriber.owner_registered,
        "owner": None
        if owner is None
        else {
            "id_number": owner.id_number,
            "full_name": owner.full_name,
            "date_of_birth": owner.date_of_birth.isoformat(),
        },
    }


def insured_from_json(body: Any) -> InsuredPerson:
    obj = _object(body, "body")
    gender = _field(obj, "gender", str)
    if gender not in GENDERS:
        raise WireError("gender: expected male or female")
    phone = obj.get("phone")
    if phone is not None and (not isinstance(phone, str) or not E164.match(phone)):
        raise WireError("phone: expected E.164 (+84...) or null")
    return InsuredPerson(
        bhxh_code=_matching(obj, "bhxh_code", BHXH_CODE),
        full_name=_field(obj, "full_name", str),
        date_of_birth=_iso_date(obj, "date_of_birth"),
        gender=gender,
        id_number=_matching(obj, "id_number", ID_NUMBER),
        phone=phone,
    )


def insured_to_json(person: InsuredPerson) -> dict[str, Any]:
    return {
        "bhxh_code": person.bhxh_code,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "gender": person.gender,
        "id_number": person.id_number,
        "phone": person.phone,
    }
