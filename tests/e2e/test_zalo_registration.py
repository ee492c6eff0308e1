"""Zalo stories: a full registration by every method regbot offers, in Vietnamese and in
English, driven only through the Zalo simulator's control API (signed webhooks to
`/zalo`, the OA's messages read from the user's inbox), the SMS and MSSP simulators, the
`/secret` password page and the `/sign` page, over real HTTP."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.accounts.model import AccountKind
from pki_bridge.testing.authority import pem_bundle
from pki_bridge.testing.pki_server import build_pki_simulator
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD, OFFICIAL_CCCD
from tests.e2e.conftest import make_harness
from tests.e2e.signing_world import ca_port_fixture, test_pki_fixture  # noqa: F401 - fixtures
from tests.e2e.stories import PASSWORD
from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    SIGN_LINK,
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    buttons,
    payloads,
    secret_link,
    text_of,
    zalo_fixture,
    zalo_settings,
)


async def start(zalo: ZaloWorld, user: str, lang: str = "vi") -> list[dict]:
    """Follow the OA (the first screen), in English if asked (the menu's language option)."""
    first = await zalo.event(user, "follow")
    if lang == "en":
        number = next(
            line.split(".")[0] for line in text_of(first).splitlines() if line.endswith("English")
        )
        first = await zalo.say(user, number)
        assert "Welcome" in text_of(first)
    return first


async def test_a_citizen_registers_by_mobile_subscriber_sharing_their_zalo_phone(
    zalo: ZaloWorld, browser: PasswordPage
):
    first = await start(zalo, "an")
    assert "Bạn đăng ký tài khoản với tư cách nào?" in text_of(first)
    await zalo.pick("an", "Công dân")  # the first screen numbers its six options
    methods = await zalo.tap("an", "mobile")
    assert "Nhập họ và tên" in text_of(methods)
    await zalo.say("an", "Nguyễn Văn An")
    await zalo.say("an", "17/05/1990")
    phone_step = await zalo.say("an", "001090012345")
    [request] = [m for m in phone_step if m["request_user_info"]]
    assert request["request_user_info"]["title"] == "Chia sẻ số điện thoại của tôi"
    email_step = await zalo.share_phone("an", "84912345678")  # Zalo sends the user's own
    assert "không bắt buộc" in text_of(email_step) or "Bỏ qua" in str(buttons(email_step))
    summary = await zalo.tap("an", "skip")
    assert "001090012345" in text_of(summary) and "confirm" in payloads(summary)
    otp_step = await zalo.tap("an", "confirm")
    assert "09*****678" in text_of(otp_step)  # still confirmed by an OTP, as the guide asks
    password_step = await zalo.say("an", await zalo.bot.last_code("+84912345678"))
    assert "đừng gõ mật khẩu vào Zalo" in text_of(password_step)
    url = secret_link(password_step)

    status, page = await browser.set_password(url, PASSWORD)
    assert status == 200 and "Đã đặt mật khẩu" in page
    done = await zalo.wait_for("an", "Đăng ký thành công")  # the chat went on by itself
    assert PASSWORD not in done
    account = await zalo.bot.accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None
    assert (account.method, account.verification_level, account.phone) == (
        "mobile",
        2,
        "+84912345678",
    )
    assert account.password_hash and account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in str(await zalo.inbox("an"))


async def test_an_english_speaking_citizen_registers_by_bhxh_code(
    zalo: ZaloWorld, browser: PasswordPage
):
    await start(zalo, "huy", lang="en")
    await zalo.pick("huy", "Citizen")
    code_step = await zalo.tap("huy", "bhxh")
    assert "social insurance" in text_of(code_step).lower()
    await zalo.say("huy", "0123456789")
    await zalo.say("huy", "do quang huy")
    await zalo.say("huy", "30/08/1992")
    summary = await zalo.tap("huy", "skip")
    assert "0123456789" in text_of(summary)
    otp_step = await zalo.tap("huy", "confirm")
    assert "09*****456" in text_of(otp_step)
    password_step = await zalo.say("huy", await zalo.bot.last_code("+84903123456"))
    assert "do not type your password into Zalo" in text_of(password_step)
    status, page = await browser.set_password(secret_link(password_step), PASSWORD)
    assert status == 200 and "Your password is set" in page
    await zalo.wait_for("huy", "Registration complete")
    account = await zalo.bot.accounts.find(AccountKind.CITIZEN, "031092005566")
    assert account is not None and (account.method, account.verification_level) == ("bhxh", 2)


async def sim_signature(zalo: ZaloWorld, user: str, kind: str, lang: str, **owner: str) -> str:
    body = {"phone": "+84912345678", "full_name": "Nguyễn Văn An", "pin": "2468", **owner}
    assert await zalo.bot.sim_post("/sim/mssp/sims", body) == 201
    await start(zalo, user, lang)
    await zalo.say(user, "1" if kind == "citizen" else "2")
    phone_step = await zalo.tap(user, "sim")
    assert any(m["request_user_info"] for m in phone_step)
    waiting = text_of(await zalo.say(user, "0912 345 678"))
    response = await zalo.bot.client.get("/sim/mssp/pending", params={"phone": "+84912345678"})
    [request] = await response.json()
    assert request["verification_code"] in waiting  # the same 4 digits as on the phone
    approve = {"action": "approve", "pin": "2468"}
    assert await zalo.bot.sim_post(f"/sim/mssp/pending/{request['session_id']}", approve) == 200
    return waiting


async def test_a_citizen_registers_by_signing_sim_and_the_result_is_pushed(zalo: ZaloWorld):
    await sim_signature(zalo, "sim-an", "citizen", "vi", id_number="001090012345")
    # nobody writes: the signature's result arrives as a pushed message
    email_step = await zalo.wait_for("sim-an", "Chữ ký số hợp lệ")
    assert "không bắt buộc" in email_step
    summary = await zalo.tap("sim-an", "skip")
    assert "Nguyễn Văn An" in text_of(summary)
    done = await zalo.tap("sim-an", "register")
    assert "Đăng ký thành công" in text_of(done) and "mức xác minh 3" in text_of(done)
    account = await zalo.bot.accounts.find(AccountKind.CITIZEN, "001090012345")
    assert account is not None and (account.method, account.verification_level) == ("sim", 3)


@pytest.mark.parametrize("shared", ["before", "when_asked"])
async def test_a_citizen_who_shares_their_zalo_phone_confirms_on_it_without_hanging_up(
    zalo: ZaloWorld, shared: str
):
    """Zalo vouches for the shared number, but nobody is on a call from it: the phone can
    show the SIM's request now, so the chat asks for the PIN there, never "end this call"."""
    body = {"phone": "+84912345678", "full_name": "Nguyễn Văn An", "pin": "2468"}
    assert await zalo.bot.sim_post("/sim/mssp/sims", {**body, "id_number": "001090012345"}) == 201
    await start(zalo, "tu")
    await zalo.pick("tu", "Công dân")
    if shared == "before":
        await zalo.share_phone("tu", "84912345678")
        phone_step = await zalo.tap("tu", "sim")
        assert "09*****678" in str(buttons(phone_step))
        waiting = text_of(await zalo.tap("tu", "use_caller"))  # "use 09*****678"
    else:
        await zalo.tap("tu", "sim")
        waiting = text_of(await zalo.share_phone("tu", "84912345678"))
    response = await zalo.bot.client.get("/sim/mssp/pending", params={"phone": "+84912345678"})
    [request] = await response.json()
    assert "đã được gửi đến điện thoại của bạn" in waiting
    assert request["verification_code"] in waiting
    assert "cuộc gọi" not in waiting and "gọi lại" not in waiting
    approve = {"action": "approve", "pin": "2468"}
    assert await zalo.bot.sim_post(f"/sim/mssp/pending/{request['session_id']}", approve) == 200
    assert "Chữ ký số hợp lệ" in await zalo.wait_for("tu", "Chữ ký số hợp lệ")


async def test_a_business_registers_by_signing_sim_in_english(zalo: ZaloWorld):
    await sim_signature(
        zalo, "sim-hs", "business", "en", tax_code="0100109106", full_name="Công ty TNHH Hoa Sen"
    )
    email_step = await zalo.wait_for("sim-hs", "required")
    assert "signature" in email_step.lower()
    await zalo.say("sim-hs", "ketoan@hoasen.vn")
    done = await zalo.tap("sim-hs", "register")
    assert "level 3" in text_of(done)
    account = await zalo.bot.accounts.find(AccountKind.BUSINESS, "0100109106")
    assert account is not None and account.email == "ketoan@hoasen.vn"


# -- USB tokens: the /sign link as a button -----------------------------------------------


@pytest.fixture
async def zalo_signing(tmp_path, test_pki, ca_port):
    """Zalo on, trusting the test PKI whose CRLs a separate CA server publishes."""
    root = web.Application()
    root.add_subapp("/sim/pki", build_pki_simulator(test_pki.root, test_pki.authorities))
    ca_server = TestServer(root, host="127.0.0.1", port=ca_port)
    await ca_server.start_server()
    anchors, gov = tmp_path / "anchors.pem", tmp_path / "gov.pem"
    anchors.write_bytes(pem_bundle(test_pki.public_anchors))
    gov.write_bytes(pem_bundle(test_pki.gov_anchors))
    settings = zalo_settings(
        tmp_path, pki_trust_anchors=str(anchors), pki_gov_trust_anchors=str(gov)
    )
    try:
        async with make_harness(settings) as bot, aiohttp.ClientSession() as http:
            yield ZaloWorld(bot), test_pki, http
    finally:
        await ca_server.close()


async def usb_link(zalo: ZaloWorld, user: str, kind_number: str, method: str, lang: str) -> str:
    await start(zalo, user, lang)
    await zalo.say(user, kind_number)
    await zalo.tap(user, method)
    link_step = await zalo.tap(user, "get_link")
    [url] = [url for _, url in buttons(link_step) if SIGN_LINK.fullmatch(url)]
    assert url in text_of(link_step)  # in the text too, for a copy to a computer
    assert ("Mở trang ký số" if lang == "vi" else "Open the signing page") in str(
        buttons(link_step)
    )
    return url


async def test_a_citizen_registers_with_a_usb_token_from_the_sign_button(zalo_signing):
    world, pki, http = zalo_signing
    url = await usb_link(world, "hoa", "1", "usb", "vi")
    signed = await sign_url(url, issued_signer(pki.users["citizen"]), session=http)
    assert signed == (200, {"status": "accepted"})
    email_step = await world.wait_for("hoa", "Chữ ký số hợp lệ")  # pushed by itself
    assert "không bắt buộc" in email_step
    await world.say("hoa", "hoa.le@example.vn")
    done = await world.tap("hoa", "register")
    assert "Đăng ký thành công" in text_of(done)
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and (account.method, account.verification_level) == ("usb", 3)


async def test_a_civil_servant_registers_with_a_government_token_in_english(zalo_signing):
    world, pki, http = zalo_signing
    url = await usb_link(world, "bich", "3", "official_usb", "en")
    signed = await sign_url(url, issued_signer(pki.users["official"]), session=http)
    assert signed == (200, {"status": "accepted"})
    await world.wait_for("bich", "optional")  # the guide asks civil servants for none
    summary = await world.say("bich", "bich.tt@moj.gov.vn")
    assert "Trần Thị Bích" in text_of(summary)
    done = await world.tap("bich", "register")
    assert "level 3" in text_of(done)
    account = await world.bot.accounts.find(AccountKind.OFFICIAL, OFFICIAL_CCCD)
    assert account is not None and account.agency == "Văn phòng Bộ - Bộ Tư pháp"
