"""The signing tools a person installs on the computer with the USB token (guide §1.4:
"tải công cụ ký điện tử plugin tương ứng với thiết bị"), as a setting.

Each tool is a name, the operating system it runs on, where to download it, whom it is
for (civil servants use the Government CA's tools, from the page the guide names), and,
when regbot's signing page can talk to it, the adapter for its local page API. The list
is `REGBOT_SIGNING_TOOLS` (JSON, or a file holding it); without it, `DEFAULT_TOOLS`.

The adapters (`bot/web/static/signing.js`) and what is known of each tool's API:
- `vnpt`: VNPT-CA Plugin (the portal's own plugin), `wss://localhost:4433|4434|4435/plugin`,
  JSON calls `{functionID, funcCallback, args, domain}` answered `result*callback`:
  checkPlugin (7), setLicenseKey (6, a key VNPT issues per domain), signArrDataAdvanced
  (10) with `{"data": base64, "type": "cmsdetached"}` -> a detached CMS. Read from
  VNPT-IT's JS library (v1.0.1.9) as published with public integrations.
- `vgca`: the Government CA's VGCA Sign Service, `wss://127.0.0.1:8987/SignMsg`, one JSON
  request `{"HashAlg": "SHA256", "HashValue": base64, "Encode": "RSA"}` answered
  `{"Status": 0, "Signature": base64, "CertBase64": base64}`. Endpoints and fields read
  from the service's vgcaplugin.js and public integrations; that the signature is PKCS#1
  v1.5 over that SHA-256 is an assumption.
- `bkav`: BkavCA Signer Plugin, `wss://localhost:8443`, `38*<base64>*<serial>*
  BkavExtensionCallback*end` (SignCMS). The request is read from the plugin's 2018 JS
  library; that the answer is the CMS in base64 is a guess.
Viettel-CA's tools publish no page API we could read: they are listed for download only,
and the page's paste box takes what they produce.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit


class Os(StrEnum):
    WINDOWS = "windows"
    MACOS = "macos"
    LINUX = "linux"
    ANY = "any"  # a page that offers every version


class ToolFor(StrEnum):
    PUBLIC = "public"  # citizens and businesses: licensed public CAs
    OFFICIALS = "officials"  # civil servants: the Government CA


class Device(StrEnum):
    """What the visitor's User-Agent says the page is open on."""

    WINDOWS = "windows"
    MACOS = "macos"
    LINUX = "linux"
    PHONE = "phone"  # a USB token needs a computer
    UNKNOWN = "unknown"


ADAPTER_ENDPOINTS: Final[Mapping[str, tuple[str, ...]]] = {
    "vnpt": (
        "wss://localhost:4433/plugin",
        "wss://localhost:4434/plugin",
        "wss://localhost:4435/plugin",
    ),
    "vgca": ("wss://127.0.0.1:8987/SignMsg",),
    "bkav": ("wss://localhost:8443",),
}
GOVERNMENT_CA_TOOLS: Final = "http://portal.ca.gov.vn/KnowledgeSharing/Pages/TaiPhanMem.aspx"


class BadTools(ValueError):
    """REGBOT_SIGNING_TOOLS cannot be read: says which entry and why."""


@dataclass(frozen=True, slots=True)
class SigningTool:
    name: str
    os: Os
    url: str  # where to download it (http/https)
    audience: ToolFor = ToolFor.PUBLIC
    adapter: str | None = None  # a key of ADAPTER_ENDPOINTS: the page can drive it
    endpoints: tuple[str, ...] = ()  # its local service, when not the adapter's default
    license: str | None = None  # VNPT-CA Plugin: the key VNPT issues for this domain

    @property
    def local_endpoints(self) -> tuple[str, ...]:
        if self.adapter is None:
            return ()
        return self.endpoints or ADAPTER_ENDPOINTS[self.adapter]


# The providers' own download pages (their file links change with each version), and the
# Government CA's tool page from the guide. Operators list exact installers in the setting.
DEFAULT_TOOLS: Final = (
    SigningTool("VNPT-CA Plugin", Os.WINDOWS, "https://vnpt-ca.vn", adapter="vnpt"),
    SigningTool("VNPT-CA Plugin", Os.MACOS, "https://vnpt-ca.vn", adapter="vnpt"),
    SigningTool("Viettel-CA Token Manager", Os.WINDOWS, "https://viettel-ca.vn"),
    SigningTool("Viettel-CA Token Manager", Os.MACOS, "https://viettel-ca.vn"),
    SigningTool("BkavCA Signer Plugin", Os.WINDOWS, "https://bkavca.vn", adapter="bkav"),
    SigningTool(
        "VGCA Sign Service (Ban Cơ yếu Chính phủ)",
        Os.ANY,
        GOVERNMENT_CA_TOOLS,
        audience=ToolFor.OFFICIALS,
        adapter="vgca",
    ),
)


def device_of(user_agent: str) -> Device:
    """The visitor's computer, from the User-Agent (a guess the page lets them correct)."""
    ua = user_agent.lower()
    if any(word in ua for word in ("android", "iphone", "ipad", "mobile")):
        return Device.PHONE
    if "windows" in ua:
        return Device.WINDOWS
    if "macintosh" in ua or "mac os x" in ua:
        return Device.MACOS
    if "linux" in ua or "x11" in ua:
        return Device.LINUX
    return Device.UNKNOWN


def tools_for(
    tools: Iterable[SigningTool], device: Device, *, official: bool
) -> tuple[list[SigningTool], list[SigningTool]]:
    """(the tools for this computer, the others for the same people): a civil servant
    sees the Government CA's, everybody else the public CAs'."""
    audience = ToolFor.OFFICIALS if official else ToolFor.PUBLIC
    theirs = [tool for tool in tools if tool.audience is audience]
    fits = [t for t in theirs if t.os is Os.ANY or t.os.value == device.value]
    return fits, [t for t in theirs if t not in fits]


def connect_sources(tools: Iterable[SigningTool]) -> list[str]:
    """The origins the page's script talks to (for the CSP's connect-src)."""
    origins: list[str] = []
    for tool in tools:
        for endpoint in tool.local_endpoints:
            parts = urlsplit(endpoint)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


_WS: Final = re.compile(r"wss?://[^\s'\";]+")


def parse_tools(text: str) -> tuple[SigningTool, ...]:
    """The setting: JSON (or a path to a JSON file) - a list of `{"name", "os", "url"}`
    with optional `"for"` (public | officials), `"adapter"`, `"endpoints"`, `"license"`."""
    source = text.strip()
    if not source.startswith("["):
        path = Path(source)
        if not path.is_file():
            raise BadTools(f"REGBOT_SIGNING_TOOLS: neither JSON nor a file: {source[:60]}")
        source = path.read_text(encoding="utf-8")
    try:
        entries = json.loads(source)
    except ValueError as exc:
        raise BadTools(f"REGBOT_SIGNING_TOOLS is not JSON: {exc}") from exc
    if not isinstance(entries, list) or not entries:
        raise BadTools("REGBOT_SIGNING_TOOLS must be a non-empty list")
    return tuple(_tool(n, entry) for n, entry in enumerate(entries))


def _tool(number: int, entry: object) -> SigningTool:
    def bad(why: str) -> BadTools:
        return BadTools(f"REGBOT_SIGNING_TOOLS entry {number}: {why}")

    if not isinstance(entry, dict):
        raise bad("must be an object")
    name, os_name, url = entry.get("name"), entry.get("os"), entry.get("url")
    if not isinstance(name, str) or not name.strip():
        raise bad("needs a name")
    if os_name not in {o.value for o in Os}:
        raise bad(f"os must be one of {[o.value for o in Os]}")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise bad("url must be an http(s) address")
    audience = entry.get("for", ToolFor.PUBLIC.value)
    if audience not in {a.value for a in ToolFor}:
        raise bad(f"for must be one of {[a.value for a in ToolFor]}")
    adapter = entry.get("adapter")
    if adapter is not None and adapter not in ADAPTER_ENDPOINTS:
        raise bad(f"adapter must be one of {sorted(ADAPTER_ENDPOINTS)}")
    endpoints = _endpoints(entry.get("endpoints", []), bad)
    license_key = entry.get("license")
    if license_key is not None and not isinstance(license_key, str):
        raise bad("license must be text")
    return SigningTool(
        name.strip(), Os(os_name), url, ToolFor(audience), adapter, endpoints, license_key
    )


def _endpoints(value: object, bad: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad("endpoints must be a list of ws:// or wss:// addresses")
    if not all(_WS.fullmatch(v) for v in value):
        raise bad("endpoints must be ws:// or wss:// addresses")
    return tuple(value)


def as_config(tools: Sequence[SigningTool]) -> list[dict[str, Any]]:
    """What the page's script needs of each tool it may drive."""
    return [
        {"adapter": t.adapter, "endpoints": list(t.local_endpoints), "license": t.license}
        for t in tools
        if t.adapter is not None
    ]
