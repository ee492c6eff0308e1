"""The `/secret` password page says what happened: "set" only when the dialog ended with
the password set; after five mismatches, or when the ID number turned out registered,
"not set - go back to Zalo", where the chat says why. Its form is small: a larger body
is refused unread."""

from __future__ import annotations

from typing import Any

from tests.e2e.zalo_world import (  # noqa: F401 - fixtures
    PasswordPage,
    ZaloWorld,
    browser_fixture,
    secret_link,
    text_of,
    zalo_fixture,
)

PASSWORD = "Hoa-Sen#2031"


async def to_password_page(zalo: ZaloWorld, user: str) -> str:
    """An (the demo's mobile subscriber) up to the password step: the page's link."""
    await zalo.event(user, "follow")
    await zalo.pick(user, "Công dân")
    await zalo.tap(user, "mobile")
    await zalo.say(user, "Nguyễn Văn An")
    await zalo.say(user, "17/05/1990")
    await zalo.say(user, "001090012345")
    await zalo.share_phone(user, "84912345678")
    await zalo.tap(user, "skip")
    await zalo.tap(user, "confirm")
    step: list[dict[str, Any]] = await zalo.say(user, await zalo.bot.last_code("+84912345678"))
    return secret_link(step)


async def test_five_mismatches_on_the_page_do_not_say_the_password_is_set(
    zalo: ZaloWorld, browser: PasswordPage
):
    url = await to_password_page(zalo, "an")
    for _ in range(4):
        status, page = await browser.set_password(url, PASSWORD, PASSWORD + "x")
        assert status == 422 and "còn" in page
    status, page = await browser.set_password(url, PASSWORD, PASSWORD + "x")
    assert "Mật khẩu chưa được đặt" in page and "Đã đặt mật khẩu" not in page
    chat = await zalo.wait_for("an", "dừng tại đây")  # the chat says why
    assert PASSWORD not in chat


async def test_a_second_registration_of_the_same_number_is_not_told_its_password_is_set(
    zalo: ZaloWorld, browser: PasswordPage
):
    first, second = await to_password_page(zalo, "an"), await to_password_page(zalo, "an2")
    status, page = await browser.set_password(first, PASSWORD)
    assert status == 200 and "Đã đặt mật khẩu" in page
    status, page = await browser.set_password(second, PASSWORD)
    assert "Mật khẩu chưa được đặt" in page and "Đã đặt mật khẩu" not in page
    assert "đã được dùng để đăng ký" in await zalo.wait_for("an2", "đã được dùng")


async def test_a_body_larger_than_the_form_is_refused_unread(
    zalo: ZaloWorld, browser: PasswordPage
):
    url = await to_password_page(zalo, "an")
    status, page, csrf = await browser.open(url)
    status, _ = await browser.submit(url, "x" * 20_000, "x", csrf)
    assert status == 413
    status, page = await browser.set_password(url, PASSWORD)  # the link still works
    assert status == 200 and "Đã đặt mật khẩu" in page
