"""A password or a code typed in Telegram leaves the chat's history and is never recorded,
even when the bot cannot tell the step it answered (the conversation expired, a deploy
changed the dialogs, the state cannot be read), and even when it looks like a command.
Updates are posted to `POST /telegram`; the Bot API is the emulator in tests/support."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.engine.records import TurnRecord, Typed
from bot.web.app import RUNTIME
from tests.e2e.conftest import BotHarness, Post
from tests.e2e.stories import PASSWORD
from tests.support.telegram_api import TelegramApi, text_update

CHAT = 990001


async def at_code_step(api: TelegramApi, bot: BotHarness, post: Post, chat: int) -> str:
    """An, by mobile subscriber, up to the step that asks for the code sent to his phone."""
    await post(text_update(chat, "/start"))
    await post(api.press(chat, "citizen"))
    await post(api.press(chat, "mobile"))
    for typed in ("Nguyễn Văn An", "17/05/1990", "001090012345", "0912345678"):
        await post(text_update(chat, typed))
    await post(api.press(chat, "skip"))
    await post(api.press(chat, "confirm"))
    return await bot.last_code("+84912345678")


def typed_records(bot: BotHarness) -> list[Typed]:
    """What every turn from now on records of what the person typed."""
    typed: list[Typed] = []

    def keep(record: TurnRecord) -> None:
        if record.said is not None and record.said.typed is not None:
            typed.append(record.said.typed)

    bot.engine.add_observer(keep)
    return typed


async def expire(bot: BotHarness, chat: int) -> None:
    """15 minutes without a word: the store has let the conversation go."""
    await bot.app[RUNTIME].store.delete(bot.engine.session_key("telegram", str(chat)))


async def deploy_changed_the_dialogs(bot: BotHarness, chat: int) -> None:
    """The conversation was saved by a version of the dialogs this one is not."""
    store, codec = bot.app[RUNTIME].store, bot.engine._codec
    key = bot.engine.session_key("telegram", str(chat))
    record = codec.loads(await store.load(key))
    assert record.dialog is not None
    record.dialog.spec_version = "an older deploy"
    await store.save(key, codec.dumps(record), 60)


async def unreadable(bot: BotHarness, chat: int) -> None:
    """Sealed under a secret key this one is not (it was changed), or damaged."""
    key = bot.engine.session_key("telegram", str(chat))
    await bot.app[RUNTIME].store.save(key, b"sealed under another key", 60)


Lapse = Callable[[BotHarness, int], Awaitable[None]]


@pytest.mark.parametrize("lapse", [expire, deploy_changed_the_dialogs, unreadable])
async def test_a_password_typed_when_the_bot_no_longer_knows_the_step_is_deleted_and_not_recorded(
    telegram, lapse: Lapse
):
    api, bot, post = telegram
    code = await at_code_step(api, bot, post, CHAT)
    await post(text_update(CHAT, code, message_id=51))
    assert "mật khẩu" in api.to(CHAT)[-1].text.lower()  # the step that asks for a password
    await lapse(bot, CHAT)
    typed = typed_records(bot)

    await post(text_update(CHAT, PASSWORD, message_id=52))

    assert (CHAT, 52) in api.deleted
    assert "Bạn đăng ký tài khoản với tư cách nào?" in api.to(CHAT)[-1].text  # starts again
    assert typed == [Typed("text", secret=True)]  # never in clear, not even masked


async def test_a_first_message_that_is_a_command_stays_in_the_chat(telegram):
    api, _, post = telegram
    await post(text_update(CHAT + 1, "/start", message_id=7))
    assert api.deleted == []  # only what may be a secret goes


async def test_a_password_that_begins_like_the_lang_command_is_the_password_and_leaves_the_chat(
    telegram,
):
    api, bot, post = telegram
    chat = CHAT + 2
    code = await at_code_step(api, bot, post, chat)
    await post(text_update(chat, code, message_id=51))
    await post(text_update(chat, "/Langsen#2024", message_id=52))
    await post(text_update(chat, "/Langsen#2024", message_id=53))
    assert "Đăng ký thành công" in api.to(chat)[-1].text  # not a language switch
    assert {(chat, 51), (chat, 52), (chat, 53)} <= set(api.deleted)


async def test_a_command_typed_at_the_password_step_leaves_the_chat_too(telegram):
    """Whatever is typed there may be the password: the bot cannot tell a person who types
    `/help` from one whose password is `/help`."""
    api, bot, post = telegram
    chat = CHAT + 3
    code = await at_code_step(api, bot, post, chat)
    await post(text_update(chat, code, message_id=51))
    asks = api.to(chat)[-1].text
    await post(text_update(chat, "/help", message_id=52))
    await post(text_update(chat, "/lang en", message_id=53))
    assert {(chat, 52), (chat, 53)} <= set(api.deleted)
    assert "password" in api.to(chat)[-1].text.lower() and api.to(chat)[-1].text != asks


async def test_a_code_telegram_delivers_twice_is_answered_once_and_not_read_as_the_password(
    telegram,
):
    """Telegram re-sends an update when the webhook was slow to answer: same update_id."""
    api, bot, post = telegram
    chat = CHAT + 4
    code = await at_code_step(api, bot, post, chat)
    update = text_update(chat, code, message_id=51)
    assert await post(update) == 200
    asks_password = api.to(chat)[-1]
    assert await post(update) == 200  # the repeat
    assert api.to(chat)[-1] == asks_password  # no second answer, no "password too short"
    await post(text_update(chat, PASSWORD, message_id=52))
    await post(text_update(chat, PASSWORD, message_id=53))
    assert "Đăng ký thành công" in api.to(chat)[-1].text
