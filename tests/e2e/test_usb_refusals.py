"""Stories of USB-token signatures that must not get through: each is refused with a clear
message on the page and in the chat, and no account is created."""

from __future__ import annotations

import base64
import time

import pytest

from bot.accounts.model import AccountKind
from bot.web.signing import SIGNING
from pki_bridge.testing.signer import issued_signer, sign_challenge, sign_url
from pki_bridge.testing.testca import BAD_CHECK_DIGIT_MST, BUSINESS_MST, CITIZEN_CCCD
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


async def nothing_created(world: SigningWorld) -> bool:
    accounts = world.bot.accounts
    return (
        await accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD) is None
        and await accounts.find(AccountKind.BUSINESS, BUSINESS_MST) is None
        and await accounts.find(AccountKind.BUSINESS, BAD_CHECK_DIGIT_MST) is None
    )


@pytest.mark.parametrize(
    ("user", "kind", "reason", "told"),
    [
        ("expired", "citizen", "expired", "đã hết hạn"),
        ("not_yet_valid", "citizen", "not_yet_valid", "chưa đến ngày có hiệu lực"),
        ("untrusted", "citizen", "untrusted", "không do tổ chức chứng thực được tin cậy"),
        ("self_signed", "citizen", "self_signed", "tự tạo"),
        ("revoked", "citizen", "revoked", "đã bị thu hồi"),
        ("ca_signer", "citizen", "ca_certificate", "chứng thư của một tổ chức chứng thực"),
        ("wrong_key_usage", "citizen", "key_usage", "không được phép dùng để ký số"),
        ("web_server", "business", "extended_key_usage", "không dùng để ký văn bản"),
        ("weak_key", "citizen", "weak_key", "quá yếu"),
        ("malformed_uid", "citizen", "malformed_identity", "không hợp lệ hoặc bị thiếu"),
        ("bad_mst", "business", "malformed_identity", "mã số thuế"),
        ("citizen", "business", "kind_mismatch", "không dùng được để đăng ký tài khoản Doanh"),
        ("business", "citizen", "kind_mismatch", "không dùng được để đăng ký tài khoản Công dân"),
    ],
)
async def test_a_certificate_that_must_not_register_is_refused_with_a_clear_message(
    signing_world: SigningWorld, user: str, kind: str, reason: str, told: str
):
    world = signing_world
    url = await world.get_link("p", kind=kind)
    signer = issued_signer(world.pki.users[user])
    status, reply = await sign_url(url, signer, raw=True, session=world.http)
    assert (status, reply["error"]) == (422, reason)
    assert told in reply["message"]  # the page shows why

    chat = "\n".join(await world.choose("p", "check"))
    assert told in chat and "Lấy đường dẫn mới" in chat  # and how to go on
    assert await nothing_created(world)


async def test_a_signature_over_another_challenge_is_refused(signing_world: SigningWorld):
    world = signing_world
    url = await world.get_link("p")
    body = await sign_challenge(issued_signer(world.pki.users["citizen"]), b"another challenge")
    status, reply = await world.post(url, body)
    assert (status, reply["error"]) == (422, "bad_signature")
    assert "ký lại đúng yêu cầu mới nhất" in "\n".join(await world.choose("p", "check"))
    assert await nothing_created(world)


async def test_a_signature_over_another_links_statement_is_refused(signing_world: SigningWorld):
    """Each link has the person sign a statement of its own (its link, kind, nonce, time):
    one signed for a link does not complete another, in either form."""
    world = signing_world
    first = await world.get_link("p")
    async with world.http.get(f"{first}/challenge") as resp:
        statement = base64.b64decode((await resp.json())["challenge"])
    assert statement.startswith(b"DVCQG registration statement\nservice: ")
    assert b"\nkind: citizen\n" in statement
    signer = issued_signer(world.pki.users["citizen"])
    for raw in (False, True):
        url = await world.get_link(f"other-{raw}")
        body = await sign_challenge(signer, statement, raw=raw)
        status, reply = await world.post(url, body)
        assert (status, reply["error"]) == (422, "bad_signature")
    assert await nothing_created(world)


async def test_a_link_works_only_once(signing_world: SigningWorld):
    world = signing_world
    url = await world.get_link("p")
    async with world.http.get(f"{url}/challenge") as resp:
        challenge = base64.b64decode((await resp.json())["challenge"])
    body = await sign_challenge(issued_signer(world.pki.users["citizen"]), challenge)
    assert (await world.post(url, body))[0] == 200
    status, reply = await world.post(url, body)  # the same signature, replayed
    assert status == 409 and "đã được dùng" in reply["message"]
    page = await world.http.get(url)
    assert page.status == 409 and "lấy đường dẫn mới" in await page.text()


async def test_an_expired_link_is_gone_and_the_chat_offers_a_new_one(signing_world: SigningWorld):
    world = signing_world
    url = await world.get_link("p")
    world.bot.app[SIGNING].links.clock = lambda: time.time() + 11 * 60
    assert (await world.http.get(f"{url}/challenge")).status == 410
    status, reply = await world.post(url, {"signature": "MAo="})
    assert status == 410 and "hết hạn" in reply["message"]

    chat = "\n".join(await world.choose("p", "check"))
    assert "Đường dẫn ký số đã hết hạn" in chat
    world.bot.app[SIGNING].links.clock = time.time
    fresh = "\n".join(await world.choose("p", "new_link"))
    assert "/sign/" in fresh and url not in fresh
    assert await nothing_created(world)


async def test_a_malformed_body_is_a_bad_request_and_the_link_stays_usable(
    signing_world: SigningWorld,
):
    world = signing_world
    url = await world.get_link("p")
    for body in (
        {"signature": "not base64!"},
        {"sig": "x"},
        ["signature"],
        {"signature": base64.b64encode(b"not a CMS").decode()},
        {"signature": "AAAA", "certificate": "AAAA", "hash_algorithm": "MD5"},
    ):
        status, reply = await world.post(url, body)
        assert status == 400 and reply["error"] == "bad_format", body
    signer = issued_signer(world.pki.users["citizen"])
    assert (await sign_url(url, signer, session=world.http))[0] == 200


async def test_unreachable_revocation_data_means_try_again_later_not_acceptance(
    signing_world: SigningWorld,
):
    world = signing_world
    url = await world.get_link("p")
    signer = issued_signer(world.pki.users["citizen"])
    await world.ca_faults(ocsp_unreachable=True, crl_unreachable=True)
    status, reply = await sign_url(url, signer, session=world.http)
    assert (status, reply["error"]) == (422, "revocation_unavailable")
    assert "thử lại sau" in reply["message"]
    assert await nothing_created(world)

    await world.ca_faults()  # the CA is back: the same link still works
    assert (await sign_url(url, signer, session=world.http))[0] == 200


async def test_a_replaced_link_stops_working_at_once(signing_world: SigningWorld):
    world = signing_world
    old = await world.get_link("p")
    await world.choose("p", "new_link")
    async with world.http.get(f"{old}/challenge") as resp:
        assert resp.status == 404


async def test_a_state_store_that_is_down_gives_the_signing_page_a_503_not_a_500(
    signing_world: SigningWorld,
):
    from bot.state.store import StoreUnavailable

    class DownStore:
        async def load(self, key):
            raise StoreUnavailable("down")

    world = signing_world
    url = await world.get_link("p")
    world.bot.app[SIGNING].links._store = DownStore()
    async with world.http.get(f"{url}/challenge") as resp:
        assert resp.status == 503
        assert "thử lại" in (await resp.json())["message"]
