"""Stand-ins for the signing tools a person installs beside a USB token, each speaking
its local page API as `bot/web/signing_tools.py` describes it, over real WebSockets; and
a browser for the `/sign` page: Node running the page's own script.

What these fakes answer is our reading of each tool's API: the tests prove the page's
adapters speak it, not that the tools do (see the notes in `bot/web/signing_tools.py`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from pki_bridge.testing.authority import Issued
from pki_bridge.testing.signer import issued_signer, sign_challenge

Answer = Callable[[str], Awaitable[str]]


@dataclass
class FakeTool:
    """A tool's local service: what it was asked, and its address."""

    url: str = ""
    asked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a fake's own failure: a broken test


@asynccontextmanager
async def tool_service(path: str, answer: Answer) -> AsyncIterator[FakeTool]:
    """A WebSocket service at `path` answering each message with `answer(message)`."""
    tool = FakeTool()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type is WSMsgType.TEXT:
                tool.asked.append(message.data)
                try:
                    reply = await answer(message.data)
                except Exception as exc:  # answered at once, so the page does not wait
                    tool.errors.append(repr(exc))
                    reply = "fake tool error"
                await socket.send_str(reply)
        return socket

    app = web.Application()
    app.router.add_get(path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    tool.url = str(server.make_url(path)).replace("http://", "ws://")
    try:
        yield tool
    finally:
        await server.close()


def vgca_answer(user: Issued) -> Answer:
    """VGCA Sign Service's SignMsg: sign the given SHA-256, return it with the certificate."""

    async def answer(message: str) -> str:
        asked = json.loads(message)
        assert asked["HashAlg"] == "SHA256" and asked["Encode"] == "RSA", asked
        digest = base64.b64decode(asked["HashValue"])
        assert isinstance(user.key, rsa.RSAPrivateKey)
        signature = user.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return json.dumps(
            {
                "Status": 0,
                "Signature": base64.b64encode(signature).decode(),
                "CertBase64": base64.b64encode(user.der).decode(),
            }
        )

    return answer


def vnpt_answer(user: Issued, license_key: str | None) -> Answer:
    """VNPT-CA Plugin: checkPlugin, setLicenseKey, signArrDataAdvanced (cmsdetached)."""

    async def answer(message: str) -> str:
        call = json.loads(message)
        function, args = call["functionID"], call["args"]
        if function == 7:
            result = "1"
        elif function == 6:
            result = json.dumps({"code": 1 if args[0] == license_key else -1})
        elif function == 10:
            [item] = [json.loads(i) for i in json.loads(args[0])]
            assert item["type"] == "cmsdetached", item
            body = await sign_challenge(issued_signer(user), base64.b64decode(item["data"]))
            result = json.dumps(json.dumps({"data": body["signature"], "serial": "01"}))
        else:
            result = "-1"
        return f"{result}*{call['funcCallback']}"

    return answer


def bkav_answer(user: Issued) -> Answer:
    """BkavCA Signer Plugin's SignCMS: `38*data*serial*callback*end` -> the CMS."""

    async def answer(message: str) -> str:
        function, data, _serial, callback, end = message.split("*")
        assert (function, end) == ("38", "end"), message
        body = await sign_challenge(issued_signer(user), base64.b64decode(data))
        return f"{body['signature']}*{callback}*end"

    return answer


# -- a browser for the page: Node with the page's own script ------------------------

DRIVER = """
globalThis.location = { hostname: "localhost" };
require(process.argv[2]);
const config = JSON.parse(process.argv[3]);
globalThis.RegbotSigning.run(config).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error) => process.stdout.write(JSON.stringify({ error: error.code || String(error) })));
"""
CONFIG = re.compile(r'<script id="signing-config" type="application/json">(.*?)</script>', re.S)
SCRIPT = re.compile(r'<script src="([^"]+)"></script>')


def node() -> str:
    """Node (20+, for its WebSocket), or the test is skipped - failed under CI's rule."""
    found = shutil.which("node")
    if found is None:
        reason = "Node.js is not installed (it plays the browser of the /sign page)"
        if os.environ.get("REGBOT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} and REGBOT_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return found


async def open_in_browser(
    http: Any, url: str, workdir: Path, user_agent: str = "Mozilla/5.0 (Windows NT 10.0)"
) -> dict[str, Any]:
    """Open the signing link as a browser on that computer would and press "Sign": the
    page's script, fetched from the page, runs its adapters. What it posted got back."""
    async with http.get(url, headers={"User-Agent": user_agent}) as page:
        html = await page.text()
    config = json.loads(CONFIG.search(html).group(1).replace("<\\/", "</"))  # type: ignore[union-attr]
    config["url"] = url
    script_url = str(page.url.join(page.url.with_path(SCRIPT.search(html).group(1))))  # type: ignore[union-attr]
    async with http.get(script_url) as script:
        (workdir / "signing.js").write_text(await script.text(), encoding="utf-8")
    (workdir / "driver.cjs").write_text(DRIVER, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        node(),
        "--experimental-websocket",
        "--no-warnings",
        str(workdir / "driver.cjs"),
        str(workdir / "signing.js"),
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return dict(json.loads(out))
