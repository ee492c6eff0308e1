"""Sample people pre-loaded into the simulators for `regbot demo` (all invented)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integrations.carrier import Subscriber, SubscriberOwner
from integrations.insured import InsuredPerson


@dataclass(frozen=True, slots=True)
class SamplePeople:
    """What the carrier and BHXH simulators hold when the demo starts."""

    subscribers: tuple[Subscriber, ...]
    insured: tuple[InsuredPerson, ...]


# CCCD = province (3) + century/gender (1) + birth year (2) + serial (6).
_AN = SubscriberOwner("001090012345", "Nguyễn Văn An", date(1990, 5, 17))  # Hà Nội, male
_BINH = SubscriberOwner("079185004321", "Trần Thị Bình", date(1985, 11, 2))  # TP.HCM, female
_HOA = SubscriberOwner("048168001122", "Phạm Thị Hoa", date(1968, 7, 21))  # Đà Nẵng, female


def sample_people() -> SamplePeople:
    """A few citizens covering each outcome the dialogs must handle.

    - +84912345678: registered to its owner Nguyễn Văn An (mobile registration succeeds);
    - +84987654321: Trần Thị Bình's number, but not owner-registered ("chính chủ");
    - +84381234567: used by Lê Hoàng Minh (048201007788, 09/03/2001) but registered to his
      mother Phạm Thị Hoa, so his own details do not match the owner;
    - BHXH 0123456789: Đỗ Quang Huy, with a phone on record;
    - BHXH 7912345678: Võ Thị Lan, with no phone on record;
    - BHXH 0190123456: Nguyễn Văn An again, so that registering twice meets the duplicate
      check.
    """
    return SamplePeople(
        subscribers=(
            Subscriber("+84912345678", "VinaPhone", owner_registered=True, owner=_AN),
            Subscriber("+84987654321", "Viettel", owner_registered=False, owner=_BINH),
            Subscriber("+84381234567", "Viettel", owner_registered=True, owner=_HOA),
        ),
        insured=(
            InsuredPerson(
                bhxh_code="0123456789",
                full_name="Đỗ Quang Huy",
                date_of_birth=date(1992, 8, 30),
                gender="male",
                id_number="031092005566",  # Hải Phòng
                phone="+84903123456",
            ),
            InsuredPerson(
                bhxh_code="7912345678",
                full_name="Võ Thị Lan",
                date_of_birth=date(2003, 2, 14),
                gender="female",
                id_number="092303009911",  # Cần Thơ
                phone=None,
            ),
            InsuredPerson(
                bhxh_code="0190123456",
                full_name=_AN.full_name,
                date_of_birth=_AN.date_of_birth,
                gender="male",
                id_number=_AN.id_number,
                phone="+84912345678",
            ),
        ),
    )
