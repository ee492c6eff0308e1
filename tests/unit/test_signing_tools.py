"""The signing tools are a setting (REGBOT_SIGNING_TOOLS): read strictly, refused with the
entry and the reason, and offered by the visitor's computer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.web.signing_tools import (
    DEFAULT_TOOLS,
    GOVERNMENT_CA_TOOLS,
    Device,
    Os,
    ToolFor,
    device_of,
    tools_for,
)

TOOLS = [
    {"name": "VNPT-CA Plugin", "os": "windows", "url": "https://example.vn/vnpt.exe",
     "adapter": "vnpt", "license": "KEY"},
    {"name": "VNPT-CA Plugin", "os": "macos", "url": "https://example.vn/vnpt.pkg"},
    {"name": "VGCA", "os": "any", "url": GOVERNMENT_CA_TOOLS, "for": "officials",
     "adapter": "vgca", "endpoints": ["wss://127.0.0.1:8987/SignMsg"]},
]  # fmt: skip


def test_the_tools_come_from_the_setting_as_json_or_a_file(tmp_path: Path):
    settings = Settings.from_env({"REGBOT_SIGNING_TOOLS": json.dumps(TOOLS)})
    assert [t.os for t in settings.signing_tools] == [Os.WINDOWS, Os.MACOS, Os.ANY]
    assert settings.signing_tools[0].license == "KEY"
    assert settings.signing_tools[2].audience is ToolFor.OFFICIALS
    listed = tmp_path / "tools.json"
    listed.write_text(json.dumps(TOOLS), encoding="utf-8")
    assert Settings.from_env({"REGBOT_SIGNING_TOOLS": str(listed)}).signing_tools == (
        settings.signing_tools
    )
    assert Settings.from_env({}).signing_tools == DEFAULT_TOOLS


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"os": "windows", "url": "https://x.vn"}, "needs a name"),
        ({"name": "X", "os": "beos", "url": "https://x.vn"}, "os must be one of"),
        ({"name": "X", "os": "windows", "url": "javascript:alert(1)"}, "url must be an http"),
        ({"name": "X", "os": "windows", "url": "https://x.vn", "adapter": "y"}, "adapter"),
        ({"name": "X", "os": "any", "url": "https://x.vn", "for": "all"}, "for must be"),
        (
            {"name": "X", "os": "any", "url": "https://x.vn", "endpoints": ["http://a"]},
            "ws:// or wss://",
        ),
    ],
)
def test_a_bad_entry_stops_the_start_with_its_number_and_reason(entry: dict, why: str):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REGBOT_SIGNING_TOOLS": json.dumps([TOOLS[0], entry])})
    assert "entry 1" in str(refused.value) and why in str(refused.value)


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/128.0", Device.WINDOWS),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15", Device.MACOS),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Firefox/128.0", Device.LINUX),
        ("Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36", Device.PHONE),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)", Device.PHONE),
        ("", Device.UNKNOWN),
    ],
)
def test_the_visitor_s_computer_is_read_from_the_user_agent(user_agent: str, device: Device):
    assert device_of(user_agent) is device


def test_a_civil_servant_sees_the_government_ca_tools_and_others_the_public_ones():
    fits, others = tools_for(DEFAULT_TOOLS, Device.WINDOWS, official=False)
    assert {t.os for t in fits} == {Os.WINDOWS} and {t.os for t in others} == {Os.MACOS}
    assert all(t.audience is ToolFor.PUBLIC for t in fits + others)
    official, _ = tools_for(DEFAULT_TOOLS, Device.MACOS, official=True)
    assert [t.url for t in official] == [GOVERNMENT_CA_TOOLS]
