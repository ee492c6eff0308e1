"""Stories of registration by signing SIM (guide §1.3), through the real app: the person
talks to the engine, the phone is the MSSP simulator's control API over HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.accounts.model import AccountKind
from bot.engine.messages import Action, Reply
from bot.web.app import RUNTIME
from tests.e2e.stories import (
    AN_ID,
    AN_PHONE,
    AN_TYPED_PHONE,
    MST,
    PIN,
    answer_on_phone,
    ask_signature,
    choose,
    issue_sim,
    pending,
)


async def test_citizen_registers_by_signing_sim_and_gets_a_level_3_account(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    waiting = await ask_signature(bot_app, "an")
    [request] = await pending(bot_app)
    assert request["verification_code"] in waiting  # the code the phone shows
    assert "09*****678" in waiting

    assert await answer_on_phone(bot_app, {"action": "approve", "pin": PIN}) == 200
    email_step = "\n".join(await choose(bot_app, "an", "check"))
    assert "Chữ ký số hợp lệ" in email_step and "không bắt buộc" in email_step

    summary = "\n".join(await bot_app.pick("an", "Bỏ qua"))  # skip the email
    assert "Nguyễn Văn An" in summary and AN_ID in summary  # in full, to its owner
    done = "\n".join(await choose(bot_app, "an", "register"))
    assert "Đăng ký thành công" in done and "mức xác minh 3" in done
    assert f"Đã tạo tài khoản cho Số định danh cá nhân/CCCD {AN_ID}" in done

    account = await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID)
    assert account is not None
    assert (account.verification_level, account.method, account.phone) == (3, "sim", AN_PHONE)
    assert account.full_name == "Nguyễn Văn An" and account.password_hash is None
    assert account.email is None


async def test_citizen_sees_what_the_certificate_says_before_being_asked_for_an_email(bot_app):
    # guide §1.3 step 5: once the SIM confirms, the details read from it are shown, then
    # the email and "Đăng ký" - not an email asked for a certificate not yet seen
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    email_step = "\n".join(await choose(bot_app, "an", "check"))
    assert "Họ tên: Nguyễn Văn An" in email_step
    assert f"Số định danh cá nhân/CCCD: {AN_ID}" in email_step
    assert email_step.index(AN_ID) < email_step.index("nhập địa chỉ email")
    summary = "\n".join(await bot_app.pick("an", "Bỏ qua"))
    assert f"Số định danh cá nhân/CCCD: {AN_ID}" in summary and "Email: (không có)" in summary


async def test_business_registers_by_signing_sim_and_must_give_an_email(bot_app):
    await issue_sim(bot_app, tax_code=MST, full_name="Công ty TNHH Hoa Sen")
    await ask_signature(bot_app, "hoasen", kind="business")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    email_step = await choose(bot_app, "hoasen", "check")
    assert "bắt buộc" in "\n".join(email_step)
    # a business's details are not "your details" (Thông tin của bạn)
    assert "Thông tin lấy từ chứng thư số" in "\n".join(email_step)
    assert "Tên doanh nghiệp: Công ty TNHH Hoa Sen" in "\n".join(email_step)
    assert not any(line.endswith("Bỏ qua") for line in email_step)  # no way to skip it

    summary = "\n".join(await bot_app.say("hoasen", "ketoan@hoasen.vn"))
    assert "Công ty TNHH Hoa Sen" in summary and "Mã số thuế: 0100109106" in summary
    await choose(bot_app, "hoasen", "register")
    account = await bot_app.accounts.find(AccountKind.BUSINESS, MST)
    assert account is not None
    assert (account.verification_level, account.method) == (3, "sim")
    assert account.email == "ketoan@hoasen.vn"


async def test_the_conversation_continues_by_itself_on_a_channel_that_can_push(bot_app):
    pushed: asyncio.Queue[tuple[str, Reply]] = asyncio.Queue()

    async def push(user: str, reply: Reply) -> None:
        await pushed.put((user, reply))

    bot_app.app[RUNTIME].pushes.register("test", push)
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    user, reply = await asyncio.wait_for(pushed.get(), timeout=10)
    assert user == "an" and reply.step == "sim.email"
    assert "Chữ ký số hợp lệ" in "\n".join(bot_app.screen(reply))


async def test_a_refused_request_is_explained_and_can_be_sent_again(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "refuse"})
    refused = "\n".join(await choose(bot_app, "an", "check"))
    assert "từ chối yêu cầu ký số" in refused and "Gửi lại yêu cầu" in refused

    again = "\n".join(await choose(bot_app, "an", "resend"))
    [request] = await pending(bot_app)
    assert request["verification_code"] in again
    assert await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID) is None


async def test_a_request_nobody_confirms_in_time_ends_with_a_timeout(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    not_yet = "\n".join(await choose(bot_app, "an", "check"))
    assert "Chưa nhận được xác nhận" in not_yet

    later = datetime.now(UTC) + timedelta(seconds=300)  # two minutes later and more
    bot_app.app[RUNTIME].engine.clock = lambda: later
    timed_out = "\n".join(await choose(bot_app, "an", "check"))
    assert "hết thời gian chờ" in timed_out and "Dùng số điện thoại khác" in timed_out
    assert await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID) is None


async def test_a_number_without_a_signing_sim_is_told_at_once_to_ask_the_carrier(bot_app):
    """Not "a request was sent to your phone" first, and "no signing SIM" after."""
    text = await ask_signature(bot_app, "an")
    assert "chưa đăng ký dịch vụ Sim ký số" in text and "nhà mạng" in text
    assert "đã được gửi" not in text and bot_app.last["an"].step == "sim.phone"


async def test_three_wrong_pins_lock_the_sim_and_say_so(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    for _ in range(3):
        assert await answer_on_phone(bot_app, {"action": "approve", "pin": "0000"}) == 403
    text = "\n".join(await choose(bot_app, "an", "check"))
    assert "bị khóa" in text
    assert await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID) is None


async def test_a_citizen_certificate_cannot_register_a_business(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an", kind="business")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    text = "\n".join(await choose(bot_app, "an", "check"))
    assert "không dùng được để đăng ký tài khoản Doanh nghiệp" in text
    assert await bot_app.accounts.find(AccountKind.BUSINESS, AN_ID) is None
    assert await bot_app.accounts.find(AccountKind.CITIZEN, AN_ID) is None


async def test_a_second_registration_with_the_same_cccd_gets_the_duplicate_message(bot_app):
    """Said as soon as the signature is verified, before any email is asked for."""
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    await choose(bot_app, "an", "check")
    await bot_app.pick("an", "Bỏ qua")  # no email
    await choose(bot_app, "an", "register")
    await ask_signature(bot_app, "an-again")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    last = "\n".join(await choose(bot_app, "an-again", "check"))
    assert "đã được dùng để đăng ký" in last and "Quên mật khẩu" in last
    assert bot_app.last["an-again"].step == "common.duplicate"


async def test_registration_by_signing_sim_in_english(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await bot_app.send("en", lang="en")
    await choose(bot_app, "en", "citizen")
    await choose(bot_app, "en", "sim")
    waiting = "\n".join(await bot_app.say("en", AN_TYPED_PHONE))
    assert "phone shows the code" in waiting
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    await choose(bot_app, "en", "check")
    await bot_app.pick("en", "Skip")  # no email
    done = "\n".join(await choose(bot_app, "en", "register"))
    assert "Registration complete" in done and "level 3" in done


async def test_nobody_can_ring_a_phone_with_signature_requests_over_and_over(bot_app):
    """No proof of identity is needed to ask: so at most 4 a dialog, 5 an hour a phone."""
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "pest")
    for _ in range(3):
        await choose(bot_app, "pest", "resend")
    refused = "\n".join(await choose(bot_app, "pest", "resend"))
    assert "quá nhiều lần" in refused
    await bot_app.send("pest", action=Action.CANCEL)
    await ask_signature(bot_app, "pest")  # a fifth request from a new dialog: allowed
    again = await ask_signature(bot_app, "pest2")
    assert "quá nhiều yêu cầu ký" in again and "Thử lại sau" in again


async def test_sending_nothing_at_a_citizen_s_optional_email_skips_it(bot_app):
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    await answer_on_phone(bot_app, {"action": "approve", "pin": PIN})
    await choose(bot_app, "an", "check")
    summary = "\n".join(await bot_app.say("an", ""))
    assert bot_app.last["an"].step == "sim.summary" and "Email: (không có)" in summary
