"""`regbot accounts show`: an account and its evidence as an auditor reads them, personal
data masked (the console's rule: numbers keep their last digits, names their initials)."""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509

from bot.accounts.audit import open_evidence
from bot.accounts.evidence import Evidence, OtpProof, RegisterCheck, SignatureProof
from bot.accounts.model import Account
from bot.accounts.records import AccountRecord
from bot.i18n import Audience, Personal, PersonalKind
from pki_bridge.statement import read_statement


def masked(value: str | None, kind: PersonalKind) -> str:
    return Personal(value, kind).shown(Audience.RECORD) if value else "-"


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else "-"


def show(record: AccountRecord, seal_key: bytes) -> list[str]:
    """The lines `regbot accounts show ID` prints."""
    account = record.account
    lines = [f"account {account.id}", *_holder(account)]
    stored = record.evidence
    if stored is not None:
        lines.append(
            f"  made on {stored.binding.channel} by regbot {stored.binding.version}; "
            f"seal {stored.seal[:16]}... (`regbot accounts verify {account.id}` checks it)"
        )
    checks, evidence = open_evidence(record, seal_key)
    unreadable = [check for check in checks if not check.ok]
    if evidence is None:
        return [*lines, *(f"  evidence: {check.name}: {check.detail}" for check in unreadable)]
    return [*lines, "evidence:", *_evidence(account, evidence)]


def _holder(account: Account) -> list[str]:
    born = account.date_of_birth.strftime("%d/%m/%Y") if account.date_of_birth else None
    return [
        f"  {account.kind}, level {account.verification_level}, method {account.method}, "
        f"created {when(account.created_at)}",
        f"  {account.id_type} {masked(account.id_number, PersonalKind.ID)}, "
        f"{masked(account.full_name, PersonalKind.NAME)}, "
        f"born {masked(born, PersonalKind.DATE)}, "
        f"phone {masked(account.phone, PersonalKind.PHONE)}, "
        f"email {masked(account.email, PersonalKind.EMAIL)}"
        + (f", agency {account.agency}" if account.agency else ""),
    ]


def _evidence(account: Account, evidence: Evidence) -> list[str]:
    lines: list[str] = []
    if evidence.register is not None:
        lines += _register(evidence.register)
    if evidence.otp is not None:
        lines += _otp(evidence.otp)
    if evidence.signature is not None:
        lines += _signature(evidence.signature)
    return lines or ["  (empty)"]


def _register(check: RegisterCheck) -> list[str]:
    lines = [
        f"  register: {check.register}, answered by {check.answered_by} at {when(check.read_at)}",
        "    matched: " + ", ".join(check.matched),
    ]
    if check.reference:
        lines.append(f"    read by code {masked(check.reference, PersonalKind.ID)}")
    return lines


def _otp(otp: OtpProof) -> list[str]:
    return [
        f"  code by SMS: to the phone of keyed hash {otp.phone_hash[:16]}...",
        f"    sent {when(otp.sent_at)}, verified {when(otp.verified_at)}, "
        f"{otp.tries} tr{'y' if otp.tries == 1 else 'ies'}, {otp.resends} resend(s)",
    ]


def _signature(proof: SignatureProof) -> list[str]:
    v = proof.validation
    lines = [
        f"  signature: {proof.format}, {len(proof.signature)} bytes, "
        f"over a {len(proof.statement)}-byte statement",
        *("    | " + line for line in _statement(proof)),
        "  signer " + _certificate(v.certificate, personal=True),
        *("  chain " + _certificate(der) for der in v.chain),
        "  anchor " + _certificate(v.anchor),
        f"  validated at {when(v.validated_at)}"
        f"{' against the Government CA anchors' if v.official else ''}; "
        f"status by {v.status_source}",
        *(_ocsp(der) for der in v.ocsp_responses),
        *(
            f"  CRL of {f.issuer}: number {f.number}, thisUpdate {when(f.this_update)}, "
            f"nextUpdate {when(f.next_update)}"
            for f in v.crl_facts()
        ),
    ]
    return lines


def _statement(proof: SignatureProof) -> list[str]:
    statement = read_statement(proof.statement)
    if statement is None:  # a USB link's challenge of before statements: random bytes
        return [f"challenge {proof.statement.hex()}"]
    text = proof.statement.decode().splitlines()
    return [
        f"phone: {masked(statement.fields['phone'], PersonalKind.PHONE)}"
        if line.startswith("phone: ")
        else line
        for line in text
    ]


def _certificate(der: bytes, *, personal: bool = False) -> str:
    fingerprint = hashlib.sha256(der).hexdigest()[:16]
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return f"(not a certificate) SHA-256 {fingerprint}..."
    subject = "(holder's name and number: see above)" if personal else cert.subject.rfc4514_string()
    return (
        f"{subject}, serial {cert.serial_number:x}, issuer {cert.issuer.rfc4514_string()}, "
        f"valid {when(cert.not_valid_before_utc)} to {when(cert.not_valid_after_utc)}, "
        f"SHA-256 {fingerprint}..."
    )


def _ocsp(der: bytes) -> str:
    try:
        data = asn1_ocsp.OCSPResponse.load(der).response_data
        single = data["responses"][0]
        return (
            f"  OCSP response produced {when(data['produced_at'].native)}: serial "
            f"{single['cert_id']['serial_number'].native:x} {single['cert_status'].name}, "
            f"thisUpdate {when(single['this_update'].native)}, "
            f"nextUpdate {when(single['next_update'].native)}"
        )
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        return f"  OCSP response unreadable ({type(exc).__name__})"
