"""Requests that arrive late - a gateway's retry of a session the caller has left, or of a
request older than the screens kept - never move the person's dialog, and a screen that
showed what was since deleted is never shown again. On the code screen, 99 and 97 do
what every other screen says they do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BotHarness, harness_settings, make_harness
from tests.e2e.stories import (
    AN_USSD,
    Handset,
    dial_to_the_name_step,
    option,
    register_up_to_summary,
    sms_codes,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_harness(harness_settings(tmp_path)) as harness:
        yield harness


async def dropped_after_the_name(bot: BotHarness) -> Handset:
    """An types her name and birth date; then the network drops the call."""
    first = Handset(bot.client, AN_USSD["phone"])
    await dial_to_the_name_step(first)
    await first.press(AN_USSD["name"])
    assert "so dinh danh" in (await first.press(AN_USSD["born"])).lower()
    return first


async def test_a_retry_from_the_dropped_call_does_not_take_the_new_call_back(
    bot: BotHarness,
) -> None:
    first = await dropped_after_the_name(bot)
    again = Handset(bot.client, AN_USSD["phone"])
    offer = await again.dial()
    assert "Tiep tuc" in offer

    late = await first.again()  # the gateway retries the first call's last request
    assert late.startswith("END ") and "ket thuc" in late.lower()
    assert "Nguyen Van An" not in late

    screen = await again.press(option(offer, "Tiep tuc"))  # the new call goes on
    assert "09*****678" in screen and "Tiep tuc" not in screen
    assert len(await bot.sms_to(AN_USSD["phone"])) == 1  # one code, not one per packet
    [code] = await sms_codes(bot, AN_USSD["phone"])
    assert "so dinh danh" in (await again.press(code)).lower()  # where she left off


@pytest.mark.parametrize(("key", "label"), [("97", "cancel"), ("00", "start again")])
async def test_a_late_retry_after_deleting_shows_nothing_of_what_was_deleted(
    bot: BotHarness, key: str, label: str
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    summary = await register_up_to_summary(phone, AN_USSD)
    assert "Nguyen Van An" in summary
    summary_inputs = list(phone.inputs)
    await phone.press(key)

    phone.inputs = summary_inputs  # the summary's request, retried late
    late = await phone.again()
    assert "Nguyen Van An" not in late and AN_USSD["id"] not in late, (label, late)
    assert "17/05/1990" not in late


async def test_a_request_older_than_the_screens_kept_does_not_merge_into_the_next_answer(
    bot: BotHarness,
) -> None:
    phone = Handset(bot.client, AN_USSD["phone"])
    await dial_to_the_name_step(phone)
    for _ in range(17):  # help, again and again: the first requests leave the cache
        await phone.press("98")
    current = list(phone.inputs)

    phone.inputs = current[:1]  # the first choice's request, very late
    late = await phone.again()
    assert "ho va ten" in late.lower()  # the current screen; nothing moved

    phone.inputs = current
    screen = await phone.press(AN_USSD["name"])
    assert "ngay sinh" in screen.lower(), screen  # the name was read as the name


async def test_on_the_code_screen_99_shows_the_rest_and_97_cancels(bot: BotHarness) -> None:
    await dropped_after_the_name(bot)
    again = Handset(bot.client, AN_USSD["phone"])
    offer = await again.dial()
    screen = await again.press(option(offer, "Tiep tuc"))
    screen = await again.press("000000")  # a wrong code: its notice and the prompt
    pages = [screen]
    while "99 " in pages[-1] and len(pages) < 4:
        pages.append(await again.press("99"))
    assert len(pages) > 1, pages
    assert "09*****678" in " ".join(pages)  # the prompt on the next page is reachable
    assert not any("gom dung 6 chu so" in page for page in pages[1:])

    cancelled = await again.press("97")
    assert cancelled.startswith("END ") and "huy" in cancelled.lower()
    fresh = Handset(bot.client, AN_USSD["phone"])
    assert "Tiep tuc" not in await fresh.dial()  # nothing left to continue
