"""Requests sent as bytes, as no HTTP client would encode them (odd headers, bodies their
headers misdescribe), and the log records that would mean a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient


async def raw(client: TestClient, request: bytes) -> int:
    """Send bytes as they are and read the status."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def post(path: str, body: bytes, content_type: str, *headers: bytes) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1".encode(),
        b"Host: regbot.test",
        f"Content-Type: {content_type}".encode(),
        f"Content-Length: {len(body)}".encode(),
        b"Connection: close",
        *headers,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
