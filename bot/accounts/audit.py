"""`regbot accounts verify`: re-check an account's evidence offline, and say what was
checked. Two layers: the seal (nobody without regbot's key changed the record or moved
it to another account) and the substance (the evidence carries the account's level; a
signature verifies over its statement with the certificate, whose path to the stored
anchor holds at the recorded time with the stored OCSP responses / CRLs, and names this
account's holder; the statement signed is regbot's, for this account, issued before the
validation and the account), so that even a record resealed by a key holder must still
hold up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from bot.accounts import sealing
from bot.accounts.evidence import Evidence, SignatureFormat, SignatureProof, shortfalls
from bot.accounts.model import Account
from bot.accounts.records import AccountRecord
from bot.accounts.repository import normalise_identity
from bot.state.links import LINK_LIFETIME
from pki_bridge import CertificateRefused, CertifiedIdentity
from pki_bridge.cms import verify_detached_cms
from pki_bridge.mssp import statement_hash
from pki_bridge.signatures import verify_raw
from pki_bridge.statement import SERVICE, SIM_FIELDS, USB_FIELDS, Statement, read_statement
from pki_bridge.validation import revalidate

SEAL_BINDS_BEFORE_HOLDER: Final = (
    "account id, kind, identity hash, level, method, creation time, channel, regbot version"
)
SEAL_BINDS: Final = SEAL_BINDS_BEFORE_HOLDER + ", holder's identity, name, birth date, contacts"
# Until this release a signing link's challenge was 32 random bytes, naming nothing: a USB
# account made before this day verifies with such a challenge, with a warning; made on or
# after it, it fails, for regbot issued statements by then. Deployed later than this day,
# the release moves it to the day of deployment (or accounts the old release made in
# between fail, and say why).
RANDOM_CHALLENGES_UNTIL: Final = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
RANDOM_CHALLENGE_BYTES: Final = 32
# a link's signature is checked before the link expires; a minute for clocks of workers
LINK_SIGNED_WITHIN: Final = dt.timedelta(seconds=LINK_LIFETIME + 60)


@dataclass(frozen=True, slots=True)
class Check:
    """One thing verified, and what it showed."""

    name: str
    ok: bool
    detail: str
    warning: bool = False  # ok, but an auditor should know (a USB link's random challenge)


def open_evidence(record: AccountRecord, seal_key: bytes) -> tuple[list[Check], Evidence | None]:
    """Presence, format, decryption, seal and shared parts; the evidence once readable."""
    stored = record.evidence
    if stored is None:
        return [Check("evidence record", False, "this account has no evidence record")], None
    checks = [Check("evidence record", True, "present")]
    if stored.format not in sealing.FORMATS:
        return [*checks, Check("format", False, f"unknown format {stored.format}")], None
    if stored.document is None:
        detail = "the document does not open with this REGBOT_SECRET_KEY"
        return [*checks, Check("document", False, detail)], None
    holds = sealing.seal_holds(seal_key, stored.binding, stored.document, stored.seal)
    binds = SEAL_BINDS if stored.format >= 2 else SEAL_BINDS_BEFORE_HOLDER
    detail = f"HMAC-SHA256 over the document and {binds}"
    if not holds:
        detail = "does not match: the record was changed, or belongs to another account"
    checks.append(Check("seal", holds, detail))
    try:
        binding = stored.binding
        evidence = sealing.decode(stored.document, stored.blobs, binding.channel, binding.version)
    except sealing.BrokenBlob as broken:
        return [*checks, Check("shared parts", False, str(broken))], None
    except ValueError as exc:  # msgspec's DecodeError
        return [*checks, Check("document", False, f"unreadable ({exc})")], None
    if stored.blobs:
        detail = f"{len(stored.blobs)} (intermediates, anchor, CRLs) match their SHA-256"
        checks.append(Check("shared parts", True, detail))
    return checks, evidence


async def verify(record: AccountRecord, seal_key: bytes) -> list[Check]:
    """Every check of one account, in order; the account verifies when all are ok."""
    checks, evidence = open_evidence(record, seal_key)
    checks.append(_identity(record))
    if evidence is None:
        return checks
    account = record.account
    lacking = shortfalls(account, evidence, record.phone_hash)
    enough = f"{account.method} evidence carries level {account.verification_level}"
    checks.append(Check("sufficiency", not lacking, "; ".join(lacking) or enough))
    if evidence.signature is not None:
        checks += await signature_checks(account, evidence.signature)
    return checks


def _identity(record: AccountRecord) -> Check:
    """The encrypted number and phone are the ones their keyed hashes (which the seal and
    the SMS code's evidence bind) were made from: a ciphertext swapped in from another
    account, or another phone, shows here."""
    wrong = []
    if record.identity_hash_of_fields != record.identity_hash:
        wrong.append(
            f"the {record.account.id_type} number stored does not give the identity hash "
            "the account is looked up by (the number's ciphertext, the kind or the hash "
            "was changed)"
        )
    if record.phone_hash_of_fields != record.phone_hash:
        wrong.append(
            "the phone stored is not the one the account was registered with "
            "(its ciphertext or its keyed hash was replaced)"
        )
    if wrong:
        return Check("identity", False, "; ".join(wrong))
    return Check("identity", True, "the stored number and phone match their keyed hashes")


async def signature_checks(account: Account, proof: SignatureProof) -> list[Check]:
    """The signature over the statement, the certificate path offline, who it names."""
    checks = [_signature(proof)]
    if proof.format is SignatureFormat.RAW_DIGEST:
        checks.append(_sim_statement(account, proof))
    else:
        checks.append(_usb_statement(account, proof))
    validation = proof.validation
    try:
        identity = await revalidate(validation)
    except CertificateRefused as refused:
        detail = f"refused offline: {refused.reason}"
        return [*checks, Check("certificate path", False, detail)]
    revocation = f"{len(validation.ocsp_responses)} OCSP response(s)"
    for facts in validation.crl_facts():
        revocation += f", CRL {facts.number} of {facts.issuer} ({facts.this_update:%Y-%m-%d %H:%M})"
    detail = (
        f"to the stored anchor at {validation.validated_at.isoformat(timespec='seconds')}, "
        f"no network; status by {validation.status_source}: {revocation}"
    )
    checks.append(Check("certificate path", True, detail))
    checks.append(_holder(account, identity))
    return checks


def _signature(proof: SignatureProof) -> Check:
    certificate = proof.validation.certificate
    try:
        if proof.format is SignatureFormat.RAW_DIGEST:
            verify_raw(proof.signature, certificate, digest=statement_hash(proof.statement))
        elif proof.format is SignatureFormat.RAW:
            verify_raw(proof.signature, certificate, data=proof.statement)
        else:
            signed = verify_detached_cms(proof.signature, proof.statement)
            if signed.certificate_der != certificate:
                return Check("signature", False, "the CMS is signed by another certificate")
    except CertificateRefused as refused:
        return Check("signature", False, f"{proof.format} over the statement: {refused.reason}")
    detail = f"{proof.format} over the {len(proof.statement)}-byte statement, signer's key"
    return Check("signature", True, detail)


def _sim_statement(account: Account, proof: SignatureProof) -> Check:
    """The statement regbot issued names this service, the phone of this account and a
    time before the certificate was validated."""
    statement = read_statement(proof.statement)
    if statement is None or statement.names != SIM_FIELDS:
        return Check("statement", False, "not the registration statement regbot has a SIM sign")
    if statement.fields["service"] != SERVICE:
        return Check("statement", False, "names another service than regbot's")
    if statement.fields["phone"] != account.phone:
        return Check("statement", False, "names another phone than the account's")
    if not statement.time <= proof.validation.validated_at <= account.created_at:
        return Check("statement", False, "its time is not before validation and account")
    return Check("statement", True, "names the account's phone; issued before validation")


def _usb_statement(account: Account, proof: SignatureProof) -> Check:
    """A signing link's challenge: regbot's statement for a link of this account's kind,
    issued before the certificate was validated, within the link's lifetime; or, on an
    account made before statements, the link's 32 random bytes (a warning)."""
    validated_at = proof.validation.validated_at
    if not validated_at <= account.created_at:
        return Check("statement", False, "the certificate was validated after the account")
    statement = read_statement(proof.statement)
    if statement is None:
        return _random_challenge(account, proof)
    refusal = _usb_refusal(account, statement, validated_at)
    if refusal is not None:
        return Check("statement", False, refusal)
    detail = (
        f"regbot's statement for a {account.kind} signing link, issued at "
        f"{statement.time.isoformat(timespec='seconds')}, before validation"
    )
    return Check("statement", True, detail)


def _usb_refusal(account: Account, statement: Statement, validated_at: dt.datetime) -> str | None:
    if statement.names != USB_FIELDS:
        return "not the registration statement regbot has a signing link sign"
    if statement.fields["service"] != SERVICE:
        return "names another service than regbot's"
    if statement.fields["kind"] != account.kind:
        return f"names a {statement.fields['kind']} link, not the account's kind"
    if not statement.time <= validated_at:
        return "its time is after the certificate's validation"
    if validated_at - statement.time > LINK_SIGNED_WITHIN:
        return "signed after its link expired"
    return None


def _random_challenge(account: Account, proof: SignatureProof) -> Check:
    until = RANDOM_CHALLENGES_UNTIL.date().isoformat()
    if len(proof.statement) != RANDOM_CHALLENGE_BYTES:
        detail = "neither regbot's registration statement nor a link's 32-byte challenge"
        return Check("statement", False, detail)
    if account.created_at >= RANDOM_CHALLENGES_UNTIL:
        detail = f"a 32-byte random challenge, but links issue statements since {until}"
        return Check("statement", False, detail)
    detail = f"legacy random challenge (before {until}): names neither service nor time"
    return Check("statement", True, detail, warning=True)


def _holder(account: Account, identity: CertifiedIdentity) -> Check:
    same = identity.kind == account.kind and normalise_identity(
        identity.id_number
    ) == normalise_identity(account.id_number)
    if not same:
        return Check("holder", False, "the certificate names another holder than the account")
    return Check("holder", True, f"the certificate names this {account.kind}'s {account.id_type}")
