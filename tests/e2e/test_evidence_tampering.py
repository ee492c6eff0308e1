"""Stories of tampering with accounts and their evidence, each caught by `regbot accounts
verify`. An insider who can write the database but has no key breaks the seal; one who
also holds regbot's key (and reseals) is still caught by the substance: the signature,
the certificate path, the level its method gives."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msgspec
import pytest

from bot.accounts import audit, sealing
from bot.accounts.model import Account
from pki_bridge.statement import SERVICE, read_statement, sim_statement, usb_statement
from pki_bridge.testing.signer import issued_signer, sign_challenge
from tests.e2e.evidence_world import (  # noqa: F401 - fixtures
    EvidenceWorld,
    Method,
    evidence_world_fixture,
)
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


def failed(out: str) -> set[str]:
    """The names of the checks that failed."""
    return {
        line.split("FAIL  ", 1)[1].split(":")[0] for line in out.splitlines() if "FAIL  " in line
    }


def signed(change: dict[str, Any]) -> Callable[[sealing.Document], sealing.Document]:
    """A change to the signature part of a document."""

    def apply(document: sealing.Document) -> sealing.Document:
        assert document.signature is not None
        edited = msgspec.structs.replace(document.signature, **change)
        return msgspec.structs.replace(document, signature=edited)

    return apply


async def caught(world: EvidenceWorld, account_id: int) -> set[str]:
    """The checks that failed; verify must exit 1 and say the account FAILED."""
    return failed(await report(world, account_id))


async def report(world: EvidenceWorld, account_id: int) -> str:
    status, out = await world.verify(account_id)
    assert status == 1, out
    assert out.splitlines()[-1] == f"account {account_id}: FAILED"
    return out


async def test_an_edited_level_is_detected(evidence_world: EvidenceWorld):
    world = evidence_world
    account_id = await world.register(Method.MOBILE)
    await world.insider.sql("UPDATE accounts SET verification_level = 3 WHERE id = ?", account_id)

    out = await report(world, account_id)
    assert "FAIL  seal: does not match" in out
    assert "FAIL  sufficiency: method mobile gives level 2, not 3" in out


async def test_an_edited_method_is_detected(evidence_world: EvidenceWorld):
    world = evidence_world
    account_id = await world.register(Method.MOBILE)
    await world.insider.sql("UPDATE accounts SET method = 'bhxh' WHERE id = ?", account_id)

    out = await report(world, account_id)
    assert "FAIL  seal" in out and "no answer of the bhxh register" in out


async def test_a_swapped_certificate_is_detected_with_or_without_regbots_key(
    evidence_world: EvidenceWorld,
):
    world = evidence_world
    account_id = await world.register(Method.SIM_CITIZEN)
    someone_else = world.signing.pki.users["citizen"].der  # a valid certificate of another

    await world.insider.edit_document(account_id, signed({"certificate": someone_else}))
    assert "seal" in await caught(world, account_id)

    await world.insider.edit_document(
        account_id, signed({"certificate": someone_else}), reseal=True
    )
    assert await caught(world, account_id) == {"signature", "certificate path"}


async def test_a_changed_statement_is_detected_with_or_without_regbots_key(
    evidence_world: EvidenceWorld,
):
    world = evidence_world
    account_id = await world.register(Method.SIM_CITIZEN)
    record = await world.insider.record(account_id)
    assert record.evidence is not None and record.evidence.document is not None
    document = msgspec.msgpack.decode(record.evidence.document, type=sealing.Document)
    assert document.signature is not None
    other = document.signature.statement.replace(b"+84912345678", b"+84988888888")
    assert other != document.signature.statement

    await world.insider.edit_document(account_id, signed({"statement": other}))
    assert "seal" in await caught(world, account_id)

    await world.insider.edit_document(account_id, signed({"statement": other}), reseal=True)
    assert await caught(world, account_id) == {"signature", "statement"}


async def test_evidence_copied_to_another_account_is_detected(evidence_world: EvidenceWorld):
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    columns = "format, channel, regbot_version, document_enc, seal"
    [row] = await world.insider.rows(
        f"SELECT {columns} FROM account_evidence WHERE account_id = ?", huy
    )
    await world.insider.sql(
        "UPDATE account_evidence SET format = ?, channel = ?, regbot_version = ?, "
        "document_enc = ?, seal = ? WHERE account_id = ?",
        *row,
        an,
    )
    assert "FAIL  seal: does not match" in await report(world, an)

    # resealed for An by a key holder, Huy's evidence still does not carry An's account
    await world.insider.edit_document(an, lambda document: document, reseal=True)
    out = await report(world, an)
    assert failed(out) == {"sufficiency"}
    assert "no answer of the carrier register" in out
    assert "the SMS code did not go to the account's phone" in out
    assert (await world.verify(huy))[0] == 0


async def test_a_removed_ocsp_response_is_detected(evidence_world: EvidenceWorld):
    world = evidence_world
    account_id = await world.register(Method.USB_CITIZEN)

    await world.insider.edit_document(account_id, signed({"ocsp_responses": ()}))
    assert "seal" in await caught(world, account_id)

    await world.insider.edit_document(account_id, signed({"ocsp_responses": ()}), reseal=True)
    out = await report(world, account_id)
    assert failed(out) == {"certificate path"}
    assert "refused offline: no_revocation_info" in out


async def test_a_replaced_intermediate_or_anchor_is_detected(evidence_world: EvidenceWorld):
    world = evidence_world
    account_id = await world.register(Method.USB_BUSINESS)
    [(first,)] = await world.insider.rows(
        "SELECT digest FROM evidence_blobs ORDER BY digest LIMIT 1"
    )
    await world.insider.sql(
        "UPDATE evidence_blobs SET der = ? WHERE digest = ?",
        world.signing.pki.users["business"].der,
        first,
    )
    out = await report(world, account_id)
    assert failed(out) == {"shared parts"}
    assert "does not hold the bytes it names" in out


async def test_an_account_without_evidence_is_reported(evidence_world: EvidenceWorld):
    world = evidence_world
    account_id = await world.register(Method.BHXH)
    await world.insider.sql("DELETE FROM account_evidence WHERE account_id = ?", account_id)
    out = await report(world, account_id)
    assert "FAIL  evidence record: this account has no evidence record" in out


async def test_verify_all_checks_every_account_and_counts(evidence_world: EvidenceWorld):
    world = evidence_world
    ids = [await world.register(method) for method in (Method.MOBILE, Method.SIM_CITIZEN)]
    ids.append(await world.register(Method.OFFICIAL))
    status, out = await world.verify("--all")
    assert (status, out.splitlines()) == (0, ["3 accounts: 3 verified, 0 failed"])

    await world.insider.sql("UPDATE accounts SET kind = 'citizen' WHERE id = ?", ids[2])
    status, out = await world.verify("--all")
    assert status == 1
    assert out.splitlines()[-1] == "3 accounts: 2 verified, 1 failed"
    assert f"account {ids[2]}: FAIL seal" in out
    assert "the number's ciphertext, the kind or the hash was changed" in out
    assert all(line.startswith(f"account {ids[2]}: FAIL") for line in out.splitlines()[:-1])


# The registrant of each USB form whose key the test PKI holds: a business signs the raw
# form (as the Government CA's service returns it), an official a detached CMS.
USB_FORMS = {"raw": (Method.USB_BUSINESS, "business"), "cms": (Method.OFFICIAL, "official")}


async def signed_elsewhere(
    world: EvidenceWorld, form: str, content: bytes
) -> Callable[[sealing.Document], sealing.Document]:
    """The registrant's own signature, in the account's form, over `content` (made on
    some other site): the change that puts it in place of the account's."""
    user = world.signing.pki.users[USB_FORMS[form][1]]
    body = await sign_challenge(issued_signer(user), content, raw=form == "raw")
    return signed({"statement": content, "signature": base64.b64decode(body["signature"])})


@pytest.mark.parametrize("form", list(USB_FORMS))
async def test_a_usb_signature_the_person_made_elsewhere_does_not_pass_for_the_registration(
    evidence_world: EvidenceWorld, form: str
):
    """A key holder swaps the link's statement and its signature for a document the same
    person signed with the same token elsewhere (a loan contract), and reseals: the
    signature and the certificate hold, but it was not made for regbot."""
    world = evidence_world
    account_id = await world.register(USB_FORMS[form][0])
    contract = "Hợp đồng vay 500.000.000 đồng, bên vay: Công ty TNHH Hoa Sen".encode()

    await world.insider.edit_document(
        account_id, await signed_elsewhere(world, form, contract), reseal=True
    )
    out = await report(world, account_id)
    assert failed(out) == {"statement"}
    assert "neither regbot's registration statement nor a link's 32-byte challenge" in out
    assert "ok    signature: " in out  # the person did sign it - just not for regbot


def another(**changes: Any) -> Callable[[bytes, Account, dt.datetime], bytes]:
    """A statement of regbot's form but for another registration: `changes` to the
    fields of the account's own (or `form="sim"`: the statement a SIM signs)."""

    def statement(link: bytes, account: Account, validated_at: dt.datetime) -> bytes:
        own = read_statement(link)
        assert own is not None
        fields = {**own.fields, "time": own.time, **changes}
        if fields.pop("form", "usb") == "sim":
            return sim_statement(SERVICE, "+84912345678", fields["nonce"], fields["time"])
        if isinstance(fields["time"], dt.timedelta):  # relative to the validation
            fields["time"] = validated_at + fields["time"]
        return usb_statement(
            fields["service"], fields["link"], fields["kind"], fields["nonce"], fields["time"]
        )

    return statement


@pytest.mark.parametrize("form", list(USB_FORMS))
@pytest.mark.parametrize(
    ("statement", "told"),
    [
        (another(service="sso.example.vn sign-in"), "names another service than regbot's"),
        (another(kind="citizen"), "names a citizen link, not the account's kind"),
        (another(time=dt.timedelta(days=-30)), "signed after its link expired"),
        (another(time=dt.timedelta(minutes=5)), "its time is after the certificate's validation"),
        (another(form="sim"), "not the registration statement regbot has a signing link sign"),
    ],
    ids=["another service", "another kind", "a month old", "after validation", "a SIM's"],
)
async def test_a_signed_statement_for_another_service_kind_or_time_is_refused(
    evidence_world: EvidenceWorld,
    form: str,
    statement: Callable[[bytes, Account, dt.datetime], bytes],
    told: str,
):
    """Whatever else the person signed in regbot's words - for another service, another
    kind of registration, another time - does not carry this account."""
    world = evidence_world
    account_id = await world.register(USB_FORMS[form][0])
    record = await world.insider.record(account_id)
    assert record.evidence is not None and record.evidence.document is not None
    document = msgspec.msgpack.decode(record.evidence.document, type=sealing.Document)
    assert document.signature is not None
    validated_at = document.signature.validated_at
    content = statement(document.signature.statement, record.account, validated_at)

    await world.insider.edit_document(
        account_id, await signed_elsewhere(world, form, content), reseal=True
    )
    out = await report(world, account_id)
    assert failed(out) == {"statement"}
    assert f"FAIL  statement: {told}" in out


async def test_a_usb_account_made_before_statements_verifies_with_a_warning(
    evidence_world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
):
    """Before statements a link's challenge was 32 random bytes: such an account still
    verifies, and says what its statement is; made after, it fails."""
    world = evidence_world
    account_id = await world.register(Method.USB_BUSINESS)
    challenge = os.urandom(32)  # what a link issued then
    await world.insider.edit_document(
        account_id, await signed_elsewhere(world, "raw", challenge), reseal=True
    )
    created_at = (await world.insider.record(account_id)).account.created_at

    monkeypatch.setattr(audit, "RANDOM_CHALLENGES_UNTIL", created_at + dt.timedelta(days=1))
    status, out = await world.verify(account_id)
    until = (created_at + dt.timedelta(days=1)).date().isoformat()
    assert status == 0, out
    assert f"warn  statement: legacy random challenge (before {until})" in out
    assert out.splitlines()[-1] == f"account {account_id}: verified"
    status, out = await world.verify("--all")
    assert status == 0
    assert out.splitlines() == [
        f"account {account_id}: warn statement: legacy random challenge (before {until}): "
        "names neither service nor time",
        "1 account: 1 verified (1 with warnings), 0 failed",
    ]

    monkeypatch.setattr(audit, "RANDOM_CHALLENGES_UNTIL", created_at - dt.timedelta(days=1))
    out = await report(world, account_id)
    assert failed(out) == {"statement"}
    assert "a 32-byte random challenge, but links issue statements since" in out


async def test_an_identity_number_or_phone_swapped_in_from_another_account_is_named(
    evidence_world: EvidenceWorld,
):
    """The seal binds the keyed hashes, not the ciphertexts beside them: an insider who
    copies Huy's encrypted CCCD (or phone) onto An's account is caught all the same."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    for column, told in (
        ("id_number_enc", "the CCCD number stored does not give the identity hash the account"),
        ("phone_enc", "the phone stored is not the one the account was registered with"),
    ):
        [(original,)] = await world.insider.rows(f"SELECT {column} FROM accounts WHERE id = ?", an)
        await world.insider.sql(
            f"UPDATE accounts SET {column} = (SELECT {column} FROM accounts WHERE id = ?) "
            "WHERE id = ?",
            huy,
            an,
        )
        out = await report(world, an)
        assert failed(out) == {"seal", "identity"} and told in out
        status, out = await world.verify("--all")
        assert status == 1 and out.splitlines()[-1] == "2 accounts: 1 verified, 1 failed"
        await world.insider.sql(f"UPDATE accounts SET {column} = ? WHERE id = ?", original, an)
    assert (await world.verify(an))[0] == 0


async def test_a_row_regbot_cannot_have_written_is_named_and_the_others_still_checked(
    evidence_world: EvidenceWorld,
):
    """A kind regbot has not got, or one ciphertext that no longer opens, is that account's
    failure in plain words - not a traceback, nor 'wrong key' stopping the whole audit."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    await world.insider.sql("UPDATE accounts SET kind = 'admin' WHERE id = ?", an)
    await world.insider.sql("UPDATE accounts SET full_name_enc = 'gAAAAAforged' WHERE id = ?", huy)

    status, out = await world.verify(an)
    assert status == 1, out
    assert out.splitlines() == [
        f"account {an}: FAIL  row: kind 'admin' is not a kind of account regbot makes",
        f"account {an}: FAILED",
    ]
    status, out = await world.verify("--all")
    assert status == 1, out
    assert f"account {an}: FAIL row: kind 'admin'" in out
    assert (
        f"account {huy}: FAIL row: the full name does not open with this REGBOT_SECRET_KEY "
        "(its ciphertext was replaced or damaged)" in out
    )
    assert out.splitlines()[-1] == "2 accounts: 0 verified, 2 failed"
    assert "not the one that wrote them" not in out


async def test_an_account_row_deleted_under_its_evidence_is_reported(
    evidence_world: EvidenceWorld,
):
    """SQLite does not enforce the evidence's foreign key: an insider can delete An's
    account row and leave its evidence; the audit counts it, it does not skip it."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    await world.insider.sql("DELETE FROM accounts WHERE id = ?", an)

    status, out = await world.verify("--all")
    assert status == 1, out
    assert out.splitlines() == [
        f"account {an}: FAIL row: its evidence is stored but the account row is gone (deleted)",
        "2 accounts: 1 verified, 1 failed",
    ]
    assert f"account {an}: FAILED" in (await report(world, an))
    assert (await world.verify(huy))[0] == 0
    assert (await world.verify(999)) == (1, "no account 999\n")


@pytest.mark.parametrize("column", ["full_name_enc", "date_of_birth_enc"])
async def test_a_name_or_birth_date_swapped_in_from_another_account_breaks_the_seal(
    evidence_world: EvidenceWorld, column: str
):
    """Neither has a keyed hash of its own: the seal binds the holder's fields, so Huy's
    encrypted name or birth date copied onto An's account does not pass for An's."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    await world.insider.sql(
        f"UPDATE accounts SET {column} = (SELECT {column} FROM accounts WHERE id = ?) WHERE id = ?",
        huy,
        an,
    )
    out = await report(world, an)
    assert failed(out) == {"seal"}
    assert "FAIL  seal: does not match: the record was changed" in out
    assert (await world.verify(huy))[0] == 0


async def test_an_account_sealed_before_the_seal_bound_the_holder_still_verifies(
    evidence_world: EvidenceWorld,
):
    """Accounts the previous release wrote (format 1: no holder's fields in the seal) keep
    verifying after the upgrade, and say what their seal binds; edits still break it."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    stored = (await world.insider.record(an)).evidence
    assert stored is not None and stored.document is not None
    old = replace(stored.binding, format=1)
    await world.insider.sql(
        "UPDATE account_evidence SET format = 1, seal = ? WHERE account_id = ?",
        sealing.seal(world.insider.keys.evidence, old, stored.document),
        an,
    )
    status, out = await world.verify(an)
    assert status == 0, out
    assert (
        f"ok    seal: HMAC-SHA256 over the document and {audit.SEAL_BINDS_BEFORE_HOLDER}\n" in out
    )

    await world.insider.sql("UPDATE accounts SET verification_level = 3 WHERE id = ?", an)
    assert "seal" in await caught(world, an)


async def test_a_level_or_time_that_is_no_number_or_date_is_named_and_the_others_checked(
    evidence_world: EvidenceWorld,
):
    """SQLite stores whatever an UPDATE writes, whatever the column's type."""
    world = evidence_world
    an = await world.register(Method.MOBILE)
    huy = await world.register(Method.BHXH)
    await world.insider.sql("UPDATE accounts SET verification_level = 'three' WHERE id = ?", an)
    await world.insider.sql("UPDATE accounts SET created_at = 'yesterday' WHERE id = ?", huy)

    status, out = await world.verify("--all")
    assert status == 1, out
    assert out.splitlines() == [
        f"account {an}: FAIL row: a column holds a value of another type than regbot writes "
        "(invalid literal for int() with base 10: 'three')",
        f"account {huy}: FAIL row: a column holds a value of another type than regbot writes "
        "(Invalid isoformat string: 'yesterday')",
        "2 accounts: 0 verified, 2 failed",
    ]
    assert (await world.verify(an))[1].splitlines()[-1] == f"account {an}: FAILED"
