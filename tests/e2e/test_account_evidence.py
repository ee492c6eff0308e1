"""Stories: every account is written with the evidence of its level, and an auditor's
`regbot accounts verify` accepts it offline; `regbot accounts show` lets them read it,
masked. Each method is registered through the dialogs, as a person would."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bot.accounts import sealing
from bot.accounts.evidence import (
    Evidence,
    Matched,
    Register,
    SignatureFormat,
    regbot_version,
)
from bot.accounts.model import AccountKind
from bot.accounts.records import AccountRecord
from bot.accounts.repository import normalise_identity
from bot.web.app import RUNTIME
from pki_bridge.evidence import StatusSource
from pki_bridge.statement import SERVICE, USB_FIELDS, read_statement
from tests.e2e.evidence_world import (  # noqa: F401 - fixtures
    AN_PHONE,
    HOA_CCCD,
    HUY_PHONE,
    REGISTRANTS,
    EvidenceWorld,
    Method,
    evidence_world_fixture,
)
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.e2e.stories import (
    AN_USSD,
    PIN,
    USSD_PASSWORD,
    Handset,
    answer_on_phone,
    ask_signature,
    issue_sim,
    option,
    register_up_to_summary,
    sms_codes,
)

LEVEL_2_CHECKS = ("evidence record", "seal", "sufficiency")
SIGNATURE_CHECKS = (
    *LEVEL_2_CHECKS,
    "shared parts",
    "signature",
    "statement",
    "certificate path",
    "holder",
)


def readable(record: AccountRecord) -> Evidence:
    stored = record.evidence
    assert stored is not None and stored.document is not None
    return sealing.decode(stored.document, stored.blobs, "-", "-")


def level_2(world: EvidenceWorld, record: AccountRecord, evidence: Evidence) -> None:
    check, otp = evidence.register, evidence.otp
    assert check is not None and otp is not None and evidence.signature is None
    assert check.read_at <= otp.sent_at <= otp.verified_at <= record.account.created_at
    assert (otp.tries, otp.resends) == (1, 0)
    assert otp.phone_hash == record.phone_hash  # the code went to the account's phone


def mobile(world: EvidenceWorld, record: AccountRecord, evidence: Evidence) -> None:
    level_2(world, record, evidence)
    assert evidence.register is not None and evidence.otp is not None
    assert evidence.register.register is Register.CARRIER
    assert evidence.register.answered_by == "VinaPhone"  # the carrier that answered
    assert set(evidence.register.matched) == set(Matched)
    assert evidence.otp.phone_hash == world.insider.keys.identity_hash("phone", AN_PHONE)


def bhxh(world: EvidenceWorld, record: AccountRecord, evidence: Evidence) -> None:
    level_2(world, record, evidence)
    assert evidence.register is not None and evidence.otp is not None
    assert evidence.register.register is Register.BHXH
    assert evidence.register.reference == "0123456789"  # the code, inside the encrypted document
    assert set(evidence.register.matched) == {Matched.FULL_NAME, Matched.DATE_OF_BIRTH}
    assert evidence.otp.phone_hash == world.insider.keys.identity_hash("phone", HUY_PHONE)


def signature(
    expected: SignatureFormat,
) -> Callable[[EvidenceWorld, AccountRecord, Evidence], None]:
    def sufficient(world: EvidenceWorld, record: AccountRecord, evidence: Evidence) -> None:
        proof = evidence.signature
        assert proof is not None and evidence.register is None and evidence.otp is None
        assert proof.format is expected and proof.signature
        v = proof.validation
        subject = x509.load_der_x509_certificate(v.certificate).subject.rfc4514_string()
        own = normalise_identity(record.account.id_number)
        assert own in normalise_identity(subject)  # the registrant's own certificate
        assert v.validated_at <= record.account.created_at
        assert v.status_source is StatusSource.OCSP and v.ocsp_responses  # OCSP decided
        if expected is SignatureFormat.RAW_DIGEST:  # regbot's statement, naming the SIM
            assert proof.statement.startswith(b"DVCQG registration statement\n")
            assert f"phone: {record.account.phone}\n".encode() in proof.statement
        else:  # the link's one-time challenge: regbot's statement for a link of this kind
            statement = read_statement(proof.statement)
            assert statement is not None and statement.names == USB_FIELDS, proof.statement
            assert statement.fields["service"] == SERVICE
            assert statement.fields["kind"] == record.account.kind
            assert statement.time <= v.validated_at <= statement.time + dt.timedelta(minutes=10)
            anchors = (
                world.signing.pki.gov_anchors if v.official else world.signing.pki.public_anchors
            )
            assert v.anchor in {a.public_bytes(Encoding.DER) for a in anchors}
        assert v.official is (record.account.kind == "official")

    return sufficient


SUFFICIENT = {
    Method.MOBILE: mobile,
    Method.BHXH: bhxh,
    Method.SIM_CITIZEN: signature(SignatureFormat.RAW_DIGEST),
    Method.SIM_BUSINESS: signature(SignatureFormat.RAW_DIGEST),
    Method.USB_CITIZEN: signature(SignatureFormat.CMS),
    Method.USB_BUSINESS: signature(SignatureFormat.RAW),
    Method.OFFICIAL: signature(SignatureFormat.CMS),
}


@pytest.mark.parametrize("method", list(Method))
async def test_an_account_made_by_each_method_carries_evidence_that_verify_accepts(
    evidence_world: EvidenceWorld, method: Method
):
    world = evidence_world
    account_id = await world.register(method)

    record = await world.insider.record(account_id)
    kind, number = REGISTRANTS[method]
    assert (record.account.kind, normalise_identity(record.account.id_number)) == (
        kind,
        normalise_identity(number),
    )
    assert record.evidence is not None
    assert (record.evidence.binding.channel, record.evidence.binding.version) == (
        "test",
        regbot_version(),
    )
    SUFFICIENT[method](world, record, readable(record))

    ca = world.signing.ca
    fetched = ca.ocsp_requests + ca.crl_requests
    status, out = await world.verify(account_id)
    assert status == 0, out
    assert out.splitlines()[-1] == f"account {account_id}: verified"
    signed = method not in (Method.MOBILE, Method.BHXH)
    for name in SIGNATURE_CHECKS if signed else LEVEL_2_CHECKS:
        assert f"ok    {name}: " in out, (name, out)
    assert ca.ocsp_requests + ca.crl_requests == fetched  # offline: nothing fetched


async def test_show_lets_an_auditor_read_the_evidence_with_personal_data_masked(
    evidence_world: EvidenceWorld,
):
    world = evidence_world
    mobile = await world.register(Method.MOBILE)
    insured = await world.register(Method.BHXH)
    sim = await world.register(Method.SIM_CITIZEN)
    usb = await world.register(Method.USB_BUSINESS)
    shown = {}
    for account_id in (mobile, insured, sim, usb):
        status, shown[account_id] = await world.auditor.run("show", str(account_id))
        assert status == 0, shown[account_id]
    everything = "\n".join(shown.values())
    for clear in (
        "001090012345",
        "031092005566",
        "048168001122",
        "0123456789",  # the BHXH code
        "912345678",
        "903123456",
        "Nguyễn Văn An",
        "Nguyen Van An",
        "Đỗ Quang Huy",
        "Phạm Thị Hoa",
        "17/05/1990",
    ):
        assert clear not in everything, clear

    assert "CCCD *********345, N. V. A." in shown[mobile]
    assert "register: carrier, answered by VinaPhone" in shown[mobile]
    assert "matched: id_number, date_of_birth, full_name" in shown[mobile]
    assert "1 try, 0 resend(s)" in shown[mobile]
    assert "read by code *******789" in shown[insured]
    assert "| phone: *******678" in shown[sim]  # the signed statement, its phone masked
    assert "| DVCQG registration statement" in shown[sim]
    assert "anchor CN=Test Mobile Signature CA" in shown[sim]
    assert " good, thisUpdate " in shown[sim]  # the OCSP answer that decided
    assert "| DVCQG registration statement" in shown[usb]  # the link's statement, as signed
    assert "| service: dichvucong.gov.vn account registration" in shown[usb]
    assert "| kind: business" in shown[usb]


async def test_the_auditor_is_told_when_the_key_or_the_database_is_not_there(
    evidence_world: EvidenceWorld, tmp_path_factory: pytest.TempPathFactory
):
    world = evidence_world
    account_id = await world.register(Method.MOBILE)
    assert (await world.verify(99))[0] == 1

    world.auditor.secret = "another deployment's secret key"
    status, out = await world.verify(account_id)
    assert status == 2 and "do not open with this REGBOT_SECRET_KEY" in out

    world.auditor.data_dir = tmp_path_factory.mktemp("empty")
    status, out = await world.verify("--all")
    assert status == 2 and "no DATABASE_URL and no" in out
    assert not (world.auditor.data_dir / "regbot.sqlite3").exists()  # nothing created


async def test_a_signature_whose_evidence_has_gone_must_be_made_again(
    evidence_world: EvidenceWorld,
):
    """A dialog left open past the evidence's lifetime: no account without it."""
    world, bot = evidence_world, evidence_world.signing.bot
    await issue_sim(bot, id_number=HOA_CCCD, full_name="Phạm Thị Hoa")
    await ask_signature(bot, "hoa")
    assert await answer_on_phone(bot, {"action": "approve", "pin": PIN}) == 200
    bot.app[RUNTIME].signing.proofs.lifetime = 1
    assert "Chữ ký số hợp lệ" in "\n".join(await world.signing.choose("hoa", "check"))
    await asyncio.sleep(1.05)
    await bot.pick("hoa", "Bỏ qua")  # no email
    screen = "\n".join(await world.signing.choose("hoa", "register"))
    assert "quá thời hạn" in screen and "Chào mừng" in screen
    assert await bot.accounts.find(AccountKind.CITIZEN, HOA_CCCD) is None


async def test_an_account_made_over_ussd_says_so_in_its_evidence(evidence_world: EvidenceWorld):
    world, bot = evidence_world, evidence_world.signing.bot
    phone = Handset(bot.client, AN_PHONE)
    summary = await register_up_to_summary(phone, AN_USSD)
    await phone.press(option(summary, "Xac nhan"))
    [code] = await sms_codes(bot, AN_PHONE)
    await phone.press(code)
    await phone.press(USSD_PASSWORD)
    assert (await phone.press(USSD_PASSWORD)).startswith("END Dang ky thanh cong")

    status, out = await world.auditor.run("show", "1")
    assert status == 0 and "made on ussd by regbot" in out
    assert (await world.verify(1))[0] == 0
