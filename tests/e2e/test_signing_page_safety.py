"""The signing page cannot be framed, sniffed or fed a script from elsewhere, nor any /sign
answer cached; a body that cannot be read is a 400, never a 500; the page says which
conversation it completes; and a level-3 registration is told to the holder's phone."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from urllib.parse import urlsplit

import pytest
from multidict import CIMultiDict

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    LINK,
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.e2e.stories import CALLER, PIN, Dial, call_again
from tests.support.raw_http import post, tracebacks

SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)
LOCAL = re.compile(r"^wss?://(localhost|127\.0\.0\.1):\d+$")
SIGNATURE = json.dumps({"signature": "AAAA"}).encode()


def refuses_frames_sniffing_referers_and_caches(headers: CIMultiDict[str]) -> bool:
    policy = headers.get("Content-Security-Policy", "")
    return (
        headers.get("X-Frame-Options") == "DENY"
        and "frame-ancestors 'none'" in policy
        and headers.get("X-Content-Type-Options") == "nosniff"
        and headers.get("Referrer-Policy") == "no-referrer"
        and headers.get("Cache-Control") == "no-store"
    )


async def answer(world: SigningWorld, request: bytes) -> tuple[int, CIMultiDict[str], bytes]:
    """Send bytes as they are (no client sends a gzip that is not) and read the whole
    answer: status, headers, body."""
    server = world.bot.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout=10)  # the server closes after it
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = CIMultiDict[str]()
    for line in lines:
        name, _, value = line.partition(": ")
        headers.add(name, value)
    return int(status_line.split()[1]), headers, body


async def link_by_sms(world: SigningWorld, dial: Dial) -> str:
    """A feature phone: citizen, USB token, get the link, send it by SMS; the link sent."""
    await dial.press("")
    await dial.pick("Cong dan", "USB ky so", "Lay duong dan", "Gui duong dan qua SMS")
    found = LINK.search((await world.bot.sms_to(CALLER))[-1])
    assert found
    return found.group(0)


async def test_the_signing_page_allows_only_its_own_script_and_refuses_frames(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    url = await world.get_link("hoa")
    async with world.http.get(url) as page:
        html, headers = await page.text(), page.headers
    policy = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    scripts = SCRIPT.findall(html)
    # one script file of the page's own; the other tag is data (JSON), which never runs
    assert [attrs for attrs, _ in scripts if "src=" in attrs] == [' src="/sign/static/signing.js"']
    assert all('type="application/json"' in attrs for attrs, body in scripts if body.strip())
    assert "<style" not in html and " style=" not in html
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    # the page itself, and the signing tools' services on this computer only
    connect = directives["connect-src"].split()
    assert connect[0] == "'self'" and all(LOCAL.match(source) for source in connect[1:])
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    async with world.http.get(url + "/challenge") as challenge:  # the JSON answers too
        assert challenge.headers["X-Content-Type-Options"] == "nosniff"
        assert challenge.headers["X-Frame-Options"] == "DENY"


async def test_every_sign_answer_refuses_frames_sniffing_referers_and_caches(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    url = await world.get_link("hoa")
    static = world.bot.client.make_url("/sign/static")
    answers = {}
    for method, target in (
        ("GET", url),  # the page
        ("GET", url + "/challenge"),  # its JSON
        ("GET", f"{static}/signing.js"),  # its script and style: nothing personal, still
        ("GET", f"{static}/signing.css"),  # not cached (a stale script after a deploy)
        ("GET", f"{static}/nothing.js"),  # a 404 the handler raises
        ("GET", world.bot.client.make_url("/sign/no/such/path")),  # aiohttp's own 404
        ("GET", world.bot.client.make_url("/sign/unknown-token")),  # an unknown link
        ("PUT", world.bot.client.make_url("/sign/abc")),  # aiohttp's own 405
        ("POST", world.bot.client.make_url("/sign/unknown-token")),  # a JSON refusal
    ):
        async with world.http.request(method, target, json={"signature": "AAAA"}) as resp:
            answers[method, str(target)] = resp.status, resp.headers.copy()
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [200, 200, 200, 200, 404, 404, 404, 404, 405]
    unsafe = [
        key
        for key, (_, headers) in answers.items()
        if not refuses_frames_sniffing_referers_and_caches(headers)
    ]
    assert unsafe == []


@pytest.mark.parametrize(
    ("content_type", "encoding", "body"),
    [
        ("application/json; charset=x-foo", None, SIGNATURE),  # a charset no codec knows
        ("application/json", b"Content-Encoding: gzip", SIGNATURE),  # "gzip" that is not
        ("application/json", None, b"{not json"),
    ],
    ids=["unknown-charset", "not-gzip", "not-json"],
)
async def test_a_body_that_cannot_be_read_is_a_bad_request_not_a_server_error(
    signing_world: SigningWorld,
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    encoding: bytes | None,
    body: bytes,
) -> None:
    caplog.set_level(logging.INFO)
    world = signing_world
    url = await world.get_link("hoa")
    extra = (encoding,) if encoding else ()
    for path in (urlsplit(url).path, "/sign/any-token"):  # a live link, and none at all
        status, headers, reply = await answer(world, post(path, body, content_type, *extra))
        assert (status, json.loads(reply)["error"]) == (400, "bad_format"), path
        assert refuses_frames_sniffing_referers_and_caches(headers)
    assert tracebacks(caplog) == []
    signer = issued_signer(world.pki.users["citizen"])  # the live link was not spent
    assert (await sign_url(url, signer, session=world.http))[0] == 200


async def test_the_page_says_which_conversation_it_completes(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    dial = Dial(world, "ussd-page")
    async with world.http.get(await link_by_sms(world, dial)) as page:
        html = await page.text()
    assert "09*****678" in html and "USSD" in html  # the number that asked for it
    assert "+84912345678" not in html and "0912345678" not in html

    url = await world.get_link("chat-user")  # a chat channel: no number to show
    async with world.http.get(url) as page:
        html = await page.text()
    assert "Nếu bạn không bắt đầu đăng ký này" in html


async def test_a_level_3_registration_is_told_to_the_signing_sims_phone(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    body = {"phone": CALLER, "id_number": CITIZEN_CCCD, "full_name": "Nguyễn Văn An", "pin": PIN}
    assert await world.bot.sim_post("/sim/mssp/sims", body) == 201
    dial = Dial(world, "ussd-sim-notice")
    await dial.press("")
    await dial.pick("Cong dan", "Sim ky so", "Dung so")  # "use my number"
    async with world.http.get(
        world.bot.client.make_url("/sim/mssp/pending"), params={"phone": CALLER}
    ) as resp:
        [request] = await resp.json()
    await world.bot.sim_post(
        f"/sim/mssp/pending/{request['session_id']}", {"action": "approve", "pin": PIN}
    )
    dial, resumed = await call_again(world, "ussd-sim-notice-again")  # after hanging up
    assert "Chu ky so hop le" in resumed
    await dial.pick("Bo qua")  # no email
    assert "muc xac minh 3" in await dial.pick("Dang ky")

    notice = (await world.bot.sms_to(CALLER))[-1]  # after the code that proved the phone
    assert "muc xac minh 3" in notice and "001*******45" in notice and "18001096" in notice
    assert CITIZEN_CCCD not in notice


async def test_a_usb_registration_started_on_ussd_is_told_to_the_callers_phone(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    dial = Dial(world, "ussd-usb-notice")
    url = await link_by_sms(world, dial)
    signer = issued_signer(world.pki.users["citizen"])
    assert (await sign_url(url, signer, session=world.http))[0] == 200
    await dial.pick("Toi da ky xong")
    await dial.pick("Bo qua")  # no email
    assert "muc xac minh 3" in await dial.pick("Dang ky")
    assert await world.bot.accounts.exists(AccountKind.CITIZEN, CITIZEN_CCCD)
    [_link, notice] = await world.bot.sms_to(CALLER)
    assert "muc xac minh 3" in notice and "001*******45" in notice
