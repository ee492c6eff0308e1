"""A Zalo user sets the password on the `/secret` page in Chromium - the form a real
browser posts, with the headers a real browser sends (its `Origin` among them) - and the
page says what happened: set, or "go back to Zalo" when the chat says why not."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Served, shot
from tests.e2e.zalo_world import button_payload, numbered, secret_link, text_of

PASSWORD = "Hoa-Sen#2031"


def to_password_page(served: Served, user: str, id_number: str, msisdn: str) -> str:
    """Follow -> citizen -> mobile -> details -> shared phone -> no email -> confirm ->
    the code by SMS: the `/secret` link the OA sends."""

    def tap(key: str) -> list[dict[str, Any]]:
        return served.zalo(user, {"tap": button_payload(served.zalo_inbox(user), key)})

    owner = {"id_number": id_number, "full_name": "Le Van Hai", "date_of_birth": "1990-05-17"}
    served.post_json(
        "/sim/carrier/subscribers",
        {"msisdn": f"+{msisdn}", "carrier": "VinaPhone", "owner_registered": True, "owner": owner},
    )
    first = served.zalo(user, {"event": "follow"})
    served.zalo(user, {"text": numbered(first, "Công dân")})
    tap("mobile")
    served.zalo(user, {"text": "Lê Văn Hải"})
    served.zalo(user, {"text": "17/05/1990"})
    served.zalo(user, {"text": id_number})
    served.zalo(user, {"submit_info": {"name": "Zalo user", "phone": msisdn}})
    tap("skip")
    tap("confirm")
    sms = served.get_json(f"/sim/sms/outbox?to=%2B{msisdn}")
    code = re.findall(r"\b\d{6}\b", sms[-1]["text"])[0]
    password_step = served.zalo(user, {"text": code})
    assert "đừng gõ mật khẩu vào Zalo" in text_of(password_step)
    return secret_link(password_step)


def test_a_zalo_user_sets_the_password_on_the_page_in_chromium(page: Any, served: Served):
    url = to_password_page(served, "zalo-hai", "001090777001", "84912777001")
    page.goto(url)
    page.fill("#p1", PASSWORD)
    page.fill("#p2", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.request.header_value("origin") == served.base  # not "null"
    assert posted.value.status == 200
    assert "Đã đặt mật khẩu" in page.content()
    shot(page, "password-page-done")
    done = served.zalo_inbox("zalo-hai")
    assert "Đăng ký thành công" in text_of(done, last=2)
