"""Support agents at the console, in Chromium: they sign in (and a guessed password locks
the account), watch a USSD registration move step by step without reloading, find the
caller by the phone number they give, read the transcript masked, reveal one value with
a reason (audited), write to a person on Telegram and on USSD, take a conversation over
and hand it back, are refused a forged form, and see a finished registration counted in
the funnel."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bot.accounts.model import AccountKind
from bot.web.app import RUNTIME
from tests.browser.conftest import PASSWORD, Served, shot, sign_in
from tests.support.telegram_api import text_update


def row_of(page, who: str):
    return page.locator("#rows tr", has_text=who)


def test_an_agent_signs_in_and_five_wrong_passwords_lock_the_account(page, served: Served):
    page.goto(served.base + "/console")
    expect(page).to_have_url(re.compile(r"/console/signin$"))  # every page needs a session
    shot(page, "signin")
    for _ in range(4):
        sign_in(page, served, "khoa", "Wrong-Pass#1")
        expect(page.locator(".error")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    sign_in(page, served, "khoa", "Wrong-Pass#1")
    expect(page.locator(".error")).to_contain_text("tạm khóa sau 5 lần")
    sign_in(page, served, "khoa", PASSWORD)  # the right password, but locked for 15 minutes
    expect(page.locator(".error")).to_contain_text("Hãy thử lại sau 15 phút")
    expect(page).to_have_url(re.compile(r"/console/signin$"))

    sign_in(page, served, "minh")
    expect(page.locator("h1")).to_contain_text("Người đang đăng ký")
    cookie = next(c for c in page.context.cookies() if c["name"] == "regbot_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "csrf" not in page.url and "token" not in page.url
    page.click("text=Đăng xuất")
    expect(page.locator(".flash")).to_contain_text("Bạn đã đăng xuất")
    page.goto(served.base + "/console")
    expect(page).to_have_url(re.compile(r"/console/signin$"))


def test_a_ussd_registration_moves_on_the_live_list_without_a_reload(page, served: Served):
    sign_in(page, served, "minh")
    page.evaluate("window.notReloaded = true")
    phone, session = "+84911000101", "live-1"
    served.ussd(session, phone, "")
    row = row_of(page, "+8491****101")
    expect(row.locator(".step")).to_have_text("Đang chọn đối tượng đăng ký")
    expect(row).to_contain_text("USSD")
    served.ussd(session, phone, "1")
    expect(row.locator(".step")).to_have_text("Công dân đang chọn phương thức đăng ký")
    served.ussd(session, phone, "1*1")
    expect(row.locator(".step")).to_have_text("Thuê bao di động: nhập họ và tên")
    expect(row).to_contain_text("Công dân")
    served.ussd(session, phone, "1*1*Le Van Tam")
    expect(row.locator(".step")).to_have_text("Thuê bao di động: nhập ngày sinh")
    typed = ["1", "1", "Le Van Tam"]
    for wrong in ("99/99/1990", "32/13/1990", "hôm qua"):  # three dates refused
        typed.append(wrong)
        served.ussd(session, phone, "*".join(typed))
    expect(row.locator(".failures")).to_have_text("3")
    expect(row.locator(".status")).to_contain_text("Bị kẹt")
    assert "mobile." not in page.locator("#rows").inner_text()  # never an internal name
    assert page.evaluate("window.notReloaded") is True
    shot(page, "live-list")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "live-list-phone")
    page.select_option("select[name=channel]", "telegram")
    page.click(".filters button")
    expect(page.locator("#rows")).not_to_contain_text("+8491****101")
    page.check("input[name=stuck]")
    page.select_option("select[name=channel]", "ussd")
    page.click(".filters button")
    expect(row_of(page, "+8491****101")).to_be_visible()


def _at_summary(served: Served, session: str, phone: str) -> str:
    return served.dial(
        session, phone, "1", "1", "Nguyen Thi Mai", "02/03/1991", "001191034567", "1", ""
    )


def test_a_caller_found_by_phone_shows_a_masked_transcript_and_a_supervisor_reveal_is_audited(
    page, served: Served
):
    phone = "+84911000202"
    summary = _at_summary(served, "mask-1", phone)
    assert "Xac nhan" in summary or "xac nhan" in summary.lower()
    sign_in(page, served, "lan")
    page.fill("#number", "0911 000 202")
    page.click("form.search button")
    expect(page.locator("h1")).to_contain_text("+8491****202")
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text("N. T. M.")
    expect(transcript).to_contain_text("*********567")
    expect(transcript).to_contain_text("*******202")
    text = page.content()
    for clear in ("Nguyen Thi Mai", "001191034567", "0911000202", "911000202", "02/03/1991"):
        assert clear not in text, clear
    shot(page, "conversation-masked")

    id_line = page.locator(".line.person", has_text="*********567")
    id_line.locator("input[name=reason]").fill("Người gọi đọc sai số CCCD qua điện thoại")
    id_line.locator("button", has_text="Xem giá trị").click()
    expect(page.locator(".revealed .value")).to_have_text("001191034567")
    shot(page, "conversation-revealed")
    page.click("nav >> text=Nhật ký kiểm soát")
    entry = page.locator("tr.audit-reveal").first
    expect(entry).to_contain_text("lan")
    expect(entry).to_contain_text("Người gọi đọc sai số CCCD qua điện thoại")
    expect(entry).to_contain_text("Số giấy tờ (CCCD/CMND, mã số)")  # what was revealed
    searched = page.locator("tr.audit-search", has_text="lan").first
    expect(searched).to_contain_text("tìm thấy 1 hội thoại")  # the search, not the number
    expect(page.locator("table.audit")).not_to_contain_text("0911 000 202")
    shot(page, "audit-log")

    page.context.clear_cookies()
    sign_in(page, served, "minh")  # an agent, not a supervisor: no reveal, no audit log
    page.fill("#number", "001191034567")  # found by the ID number too
    page.click("form.search button")
    expect(page.locator(".transcript")).to_contain_text("*********567")
    assert page.locator("form.reveal").count() == 0
    page.goto(served.base + "/console/audit")
    expect(page.locator(".error")).to_contain_text("Chỉ giám sát viên")


def test_an_agent_s_message_reaches_telegram_at_once_and_ussd_on_the_next_screen(
    page, served: Served
):
    chat = 777123
    served.telegram_update(text_update(chat, "/start"))
    served.telegram_update(served.telegram.press(chat, "citizen"))
    served.telegram_update(served.telegram.press(chat, "mobile"))
    for typed in ("Tran Van Son", "05/06/1987", "001087009876", "0911 000 303"):
        served.telegram_update(text_update(chat, typed))
    sign_in(page, served, "minh")
    page.fill("#number", "0911000303")
    page.click("form.search button")
    expect(page.locator(".facts")).to_contain_text("Telegram")
    page.fill("#text", "Chào anh, email có thể bỏ qua.")
    page.click("text=Gửi")
    expect(page.locator(".flash")).to_contain_text("Đã gửi tới người dùng")
    last = served.telegram.to(chat)[-1]
    assert "Nhân viên hỗ trợ: Chào anh, email có thể bỏ qua." in last.text
    assert "email" in last.text.lower()  # with the screen the person is at
    expect(page.locator(".line.agent")).to_contain_text("Chào anh, email có thể bỏ qua.")

    phone = "+84911000404"
    served.dial("msg-1", phone, "1", "1")
    page.fill("#number", "0911000404")
    page.click("form.search button")
    page.fill("#text", "Chi nhap ho ten day du nhe")
    page.click("text=Gửi")
    expect(page.locator(".flash")).to_contain_text("màn hình USSD tiếp theo")
    screen = served.ussd("msg-1", phone, "1*1*Pham Van Duc")
    assert screen.startswith("CON Nhan vien ho tro: Chi nhap ho ten day du nhe")
    assert "ngay sinh" in screen  # and the next step's prompt


def test_an_agent_takes_over_a_ussd_conversation_and_hands_it_back(page, served: Served):
    phone = "+84911000505"
    served.dial("take-1", phone, "1", "1", "Vo Minh Tri")
    sign_in(page, served, "minh")
    page.fill("#number", "0911000505")
    page.click("form.search button")
    page.click("text=Tiếp quản (bot tạm dừng)")
    expect(page.locator(".paused")).to_contain_text("minh đang hỗ trợ")
    screen = served.ussd("take-1", phone, "1*1*Vo Minh Tri*toi khong nho ngay sinh")
    assert "tro chuyen voi ban" in screen.lower() or "tro chuyen voi nhan vien" in screen.lower()
    page.reload()
    expect(page.locator(".line.person").last).to_contain_text("toi khong nho ngay sinh")
    page.goto(served.base + "/console")
    expect(row_of(page, "+8491****505").locator(".status")).to_contain_text("Nhân viên đang hỗ trợ")
    page.go_back()
    page.click("text=Trả lại cho bot")
    expect(page.locator(".flash")).to_contain_text("màn hình USSD tiếp theo")
    back = served.ussd("take-1", phone, "1*1*Vo Minh Tri*toi khong nho ngay sinh*x")
    assert "Nhan vien ho tro da xong" in back
    done = served.ussd("take-1", phone, "1*1*Vo Minh Tri*toi khong nho ngay sinh*x*12/12/1992")
    assert "CCCD" in done  # the bot went on from the date of birth, where it paused
    shot(page, "conversation-after-hand-back")


def test_a_forged_or_expired_form_is_refused(page, served: Served):
    sign_in(page, served, "minh")
    page.evaluate("document.querySelector('form.search input[name=csrf]').value = 'forged'")
    page.fill("#number", "0911000101")
    page.click("form.search button")
    expect(page.locator(".error")).to_contain_text("Yêu cầu bị từ chối")
    shot(page, "csrf-refused")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}["regbot_console"]
    status, body = served.post(
        "/console/search",
        {"number": "0911000101", "csrf": "anything"},
        headers={"Cookie": f"regbot_console={cookie}", "Origin": "https://evil.example"},
    )
    assert status == 403 and "Yêu cầu bị từ chối" in body


def test_a_finished_registration_counts_in_the_funnel(page, served: Served):
    phone, answers = "+84381234567", ["1", "1", "Pham Thi Hoa", "21/07/1968", "048168001122"]
    served.dial("funnel-1", phone, *answers, "1", "", "1")
    texts = served.get_json("/sim/sms/outbox?to=%2B84381234567")
    found = re.search(r"\b(\d{6})\b", texts[-1]["text"])
    assert found, texts[-1]
    code = found.group(1)
    inputs = [*answers, "1", "", "1", code, PASSWORD, PASSWORD]
    for n in range(len(inputs) - 2, len(inputs) + 1):
        finished = served.ussd("funnel-1", phone, "*".join(inputs[:n]))
    assert finished.startswith("END") and "thanh cong" in finished.lower()
    account = served.run(served.app[RUNTIME].accounts.find(AccountKind.CITIZEN, "048168001122"))
    assert account is not None
    served.settle()
    sign_in(page, served, "minh")
    page.goto(served.base + "/console/funnel?period=hour&channel=ussd&method=mobile")
    created = page.locator("g.bar[data-stage=created]")
    expect(created).to_contain_text("1 (")
    expect(page.locator(".funnel-numbers")).to_be_visible()
    assert page.locator("g.bar.give-up").count() == 1  # where most people stop, in red
    shot(page, "funnel")


def test_the_console_speaks_english_when_an_agent_asks(page, served: Served):
    served.dial("lang-1", "+84911000606", "1", "1", "Ha Thi Nga")
    sign_in(page, served, "lan")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("People registering now")
    expect(row_of(page, "+8491****606").locator(".step")).to_have_text(
        "Mobile subscriber: typing the date of birth"
    )
    shot(page, "live-list-en")
    page.click("text=Tiếng Việt")
    expect(page.locator("h1")).to_have_text("Người đang đăng ký")
