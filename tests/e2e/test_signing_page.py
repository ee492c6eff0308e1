"""Stories of the `/sign` page as a person with a USB token meets it: the tool to install
for their computer (the Government CA's for a civil servant), a page a strict CSP allows,
and the tool installed beside the token driven by the page's own script (Node plays the
browser, fakes play VGCA Sign Service, VNPT-CA Plugin and BkavCA Signer)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.accounts.model import AccountKind
from bot.web.signing_tools import GOVERNMENT_CA_TOOLS, Os, SigningTool, ToolFor
from pki_bridge.testing.authority import new_key, subject_name
from pki_bridge.testing.testca import BUSINESS_MST, CITIZEN_CCCD, OFFICIAL_CCCD, TestPki
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    open_signing_world,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.support.signing_tools import (
    FakeTool,
    bkav_answer,
    open_in_browser,
    tool_service,
    vgca_answer,
    vnpt_answer,
)

WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/128.0"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
ANDROID = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Mobile Safari/537.36"
LICENSE = "PD94bWwgdmVyc2lvbj0iMS4wIj8+"  # a VNPT licence for this domain, as VNPT issues


def vnpt_tool(*endpoints: str, license: str | None = None) -> SigningTool:
    return SigningTool(
        "VNPT-CA Plugin", Os.WINDOWS, "https://vnpt-ca.vn", adapter="vnpt",
        endpoints=endpoints, license=license,
    )  # fmt: skip


def bkav_tool(endpoint: str) -> SigningTool:
    return SigningTool(
        "BkavCA Signer Plugin", Os.WINDOWS, "https://bkavca.vn", adapter="bkav",
        endpoints=(endpoint,),
    )  # fmt: skip


async def page(world: SigningWorld, url: str, user_agent: str) -> tuple[str, dict[str, str]]:
    async with world.http.get(url, headers={"User-Agent": user_agent}) as response:
        assert response.status == 200
        return await response.text(), dict(response.headers)


async def test_the_page_offers_the_tool_for_the_visitor_s_computer(signing_world: SigningWorld):
    url = await signing_world.get_link("an")
    windows, _ = await page(signing_world, url, WINDOWS)
    first_list = windows.split("<details>")[0]
    assert "BkavCA Signer Plugin" in first_list and "(Windows)" in first_list
    assert "(macOS)" not in first_list  # other systems' versions are folded away
    assert "portal.ca.gov.vn" not in windows  # the Government CA's tools are for officials

    mac, _ = await page(signing_world, url, MAC)
    assert "(macOS)" in mac.split("<details>")[0] and "BkavCA" not in mac.split("<details>")[0]

    phone, _ = await page(signing_world, url, ANDROID)
    assert "không phải trên điện thoại" in phone


async def test_a_civil_servant_is_offered_the_government_ca_tools_from_the_guide(
    signing_world: SigningWorld,
):
    url = await signing_world.get_link("bich", kind="official", method="official_usb")
    html, _ = await page(signing_world, url, WINDOWS)
    assert f'href="{GOVERNMENT_CA_TOOLS}"' in html
    assert "VNPT-CA" not in html and "Viettel" not in html


async def test_the_page_runs_under_a_strict_csp_and_may_reach_the_tools_services(
    signing_world: SigningWorld,
):
    url = await signing_world.get_link("an")
    html, headers = await page(signing_world, url, WINDOWS)
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    for origin in ("wss://localhost:4433", "wss://localhost:8443"):
        assert origin in policy  # the local services the page's adapters talk to
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, code in scripts:  # code only from this origin; data blocks are inert
        assert 'src="/sign/static/' in attributes or 'type="application/json"' in attributes
        assert 'src="' not in attributes or not code.strip()
    assert "<style" not in html and "style=" not in html and "onclick" not in html
    async with signing_world.http.get(
        signing_world.bot.client.make_url("/sign/static/signing.js")
    ) as js:
        assert js.status == 200 and js.content_type == "text/javascript"
    async with signing_world.http.get(signing_world.bot.client.make_url("/sign/static/x.py")) as no:
        assert no.status == 404


@pytest.fixture
async def with_tools(
    tmp_path: Path, test_pki: TestPki, ca_port: int
) -> AsyncIterator[tuple[SigningWorld, FakeTool, FakeTool, FakeTool]]:
    """regbot offering the three tools, each at a fake local service."""
    official = test_pki.gov_issuing.issue(  # Government CA tokens hold RSA keys
        subject_name("Trần Thị Bích", uid=f"CCCD:{OFFICIAL_CCCD}", organization="Bộ Tư pháp"),
        key=new_key("rsa"),
    )
    async with (
        tool_service("/SignMsg", vgca_answer(official)) as vgca,
        tool_service("/plugin", vnpt_answer(test_pki.users["business"], LICENSE)) as vnpt,
        tool_service("/", bkav_answer(test_pki.users["citizen"])) as bkav,
    ):
        tools = (
            vnpt_tool("ws://127.0.0.1:9/plugin", vnpt.url, license=LICENSE),
            bkav_tool(bkav.url),
            SigningTool(
                "VGCA Sign Service",
                Os.ANY,
                GOVERNMENT_CA_TOOLS,
                ToolFor.OFFICIALS,
                adapter="vgca",
                endpoints=(vgca.url,),
            ),
        )
        async with open_signing_world(tmp_path, test_pki, ca_port, signing_tools=tools) as world:
            yield world, vgca, vnpt, bkav


async def test_a_civil_servant_signs_on_the_page_with_the_government_ca_s_sign_service(
    with_tools, tmp_path: Path
):
    world, vgca, vnpt, _ = with_tools
    url = await world.get_link("bich", kind="official", method="official_usb")
    assert await open_in_browser(world.http, url, tmp_path) == {
        "status": 200,
        "reply": {"status": "accepted"},
    }
    assert len(vgca.asked) == 1 and not vnpt.asked and not vgca.errors  # the officials' tool
    assert "Chữ ký số hợp lệ" in "\n".join(await world.choose("bich", "check"))
    await world.bot.say("bich", "")
    await world.choose("bich", "register")
    account = await world.bot.accounts.find(AccountKind.OFFICIAL, OFFICIAL_CCCD)
    assert account is not None and account.method == "usb"


async def test_a_business_signs_on_the_page_with_the_vnpt_plugin_and_its_licence(
    with_tools, tmp_path: Path
):
    world, _, vnpt, bkav = with_tools
    url = await world.get_link("hoasen", kind="business")
    result = await open_in_browser(world.http, url, tmp_path)
    assert result == {"status": 200, "reply": {"status": "accepted"}}
    functions = [json.loads(m)["functionID"] for m in vnpt.asked]
    assert functions == [7, 6, 10] and not bkav.asked  # found, licensed, signed
    await world.choose("hoasen", "check")
    await world.bot.say("hoasen", "ketoan@hoasen.vn")
    await world.choose("hoasen", "register")
    assert await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST) is not None


async def test_with_the_first_tool_missing_the_page_asks_the_next_one(
    tmp_path: Path, test_pki: TestPki, ca_port: int
):
    async with tool_service("/", bkav_answer(test_pki.users["citizen"])) as bkav:
        tools = (
            vnpt_tool("ws://127.0.0.1:9/plugin"),  # not installed
            bkav_tool(bkav.url),
        )
        async with open_signing_world(tmp_path, test_pki, ca_port, signing_tools=tools) as world:
            url = await world.get_link("an")
            result = await open_in_browser(world.http, url, tmp_path)
            assert result["status"] == 200 and len(bkav.asked) == 1
            assert "Chữ ký số hợp lệ" in "\n".join(await world.choose("an", "check"))
            await world.bot.say("an", "")
            await world.choose("an", "register")
            assert await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD) is not None


async def test_with_no_tool_running_the_page_says_so_and_the_link_stays_usable(
    tmp_path: Path, test_pki: TestPki, ca_port: int
):
    tools = (vnpt_tool("ws://127.0.0.1:9/plugin"),)
    async with open_signing_world(tmp_path, test_pki, ca_port, signing_tools=tools) as world:
        url = await world.get_link("an")
        assert await open_in_browser(world.http, url, tmp_path) == {"error": "no_plugin"}
        html, _ = await page(world, url, WINDOWS)
        assert 'id="pasted"' in html  # the paste box: what another tool produced
