"""The transcript runner's own rules: a dead fixture fails, a changed screen fails with a
readable diff, `--update-transcripts` records, options are found by label."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.transcripts.runner import check
from tests.transcripts.story import STORIES, Masks, Story, StoryError, dumps, find_option

FAILED = pytest.fail.Exception

BHXH_RECORD = {
    "bhxh_code": "0123456789",
    "full_name": "Đỗ Quang Huy",
    "date_of_birth": "1992-08-30",
    "gender": "male",
    "id_number": "031092005566",
    "phone": "+84903123456",
}
SIGNING_SIM = {
    "phone": "+84987654321",
    "tax_code": "0100109106",
    "full_name": "Hoa Sen",
    "pin": "1",
}


def copy_story(name: str, to: Path) -> Story:
    path = to / f"{name}.json"
    shutil.copy(STORIES / f"{name}.json", path)
    return Story.load(path)


async def test_a_fixture_the_story_never_uses_fails_it_even_when_recording(tmp_path: Path) -> None:
    story = copy_story("mobile_carrier_mismatch", tmp_path)
    data = json.loads(story.path.read_text())
    data["fixtures"] |= {
        "bhxh_records": [BHXH_RECORD],
        "signing_sims": [SIGNING_SIM],
        "usb_tokens": ["business"],
    }
    story.path.write_text(dumps(data))

    with pytest.raises(FAILED) as failed:
        await check(Story.load(story.path), "ussd", tmp_path / "data", update=True)

    message = str(failed.value)
    assert "bhxh_records: 0123456789" in message and "signing_sims: +84987654321" in message
    assert "usb_tokens: business" in message
    assert "carrier_subscribers" not in message  # the one the story looked up


async def test_a_changed_screen_fails_with_a_diff_and_update_records_what_was_shown(
    tmp_path: Path,
) -> None:
    story = copy_story("back_and_keep", tmp_path)
    recorded = story.path.read_text()
    shown = "Giữ nguyên: 17/05/1990"
    assert recorded.count(shown) == 2  # on the terminal and on Telegram
    story.path.write_text(recorded.replace(shown, "Giữ lại: 17/05/1990", 1))

    with pytest.raises(FAILED) as failed:
        await check(Story.load(story.path), "terminal", tmp_path / "a", update=False)

    diff = str(failed.value)
    assert '-            "1. Giữ lại: 17/05/1990",' in diff
    assert '+            "1. Giữ nguyên: 17/05/1990",' in diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[1:2] not in "+-"]
    assert len(changed) == 2  # only that line
    assert "--update-transcripts" in diff

    await check(Story.load(story.path), "terminal", tmp_path / "b", update=True)
    assert story.path.read_text() == recorded


async def test_a_story_never_recorded_on_a_channel_says_how_to_record_it(tmp_path: Path) -> None:
    story = copy_story("cancel_midway", tmp_path)
    data = json.loads(story.path.read_text())
    del data["outputs"]["telegram"]
    story.path.write_text(dumps(data))

    with pytest.raises(FAILED, match=r"no recorded output for telegram.*--update-transcripts"):
        await check(Story.load(story.path), "telegram", tmp_path / "data", update=False)


def test_an_option_is_found_by_its_label_as_whole_words_without_accents() -> None:
    options = [("1", "Giữ nguyên: 17/05/1990"), ("2", "❓ Trợ giúp"), ("3", "Tro giup them")]
    assert find_option(options, "Giữ") == "1"  # not "Trợ giúp", which contains "giu"
    assert find_option([("1", "Thue bao di dong")], "Thuê bao di động") == "1"  # USSD's ASCII
    assert find_option(options, "Quên mật khẩu") is None
    assert find_option(options, "Trợ giúp") == "2"  # the exact label wins
    with pytest.raises(StoryError, match="several options"):
        find_option(options, "Trợ")
    assert find_option([("1", "Xác nhận, tiếp tục"), ("2", "Xác nhận")], "Xác nhận") == "2"


def test_otp_codes_are_masked_wherever_they_appear_and_files_keep_flat_objects_on_a_line() -> None:
    masks = Masks()
    masks.learn_sms("Ma OTP: 482913. Hieu luc 5 phut.")
    record = {"sent": "482913", "screen": ["Mã 482913 sai", "CCCD 001090012345"]}
    assert masks.apply(record) == {"sent": "<otp>", "screen": ["Mã <otp> sai", "CCCD 001090012345"]}
    assert (
        dumps({"inputs": [{"pick": "Công dân"}]})
        == '{\n  "inputs": [\n    {"pick": "Công dân"}\n  ]\n}\n'
    )
