"""Reading a request's body, where any sender can put anything: a body that cannot be
decoded is the sender's error (a 400), never a 500 with a traceback in the log.

aiohttp raises a different exception for each way a body is unreadable: LookupError for
an unknown charset, its HTTP errors for a Content-Encoding the bytes do not follow (or
a connection that broke mid-body), RuntimeError for a multipart part's unknown
Content-Transfer-Encoding, ValueError for the rest. Here they become one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

T = TypeVar("T")
_UNREADABLE = (ValueError, LookupError, RuntimeError, HttpProcessingError, web.RequestPayloadError)


class UnreadableBody(ValueError):
    """The body is not what its headers say: a ValueError, so handlers that already
    refuse a malformed body refuse this one too."""


async def read_bytes(request: web.Request) -> bytes:
    """The body as sent (after its Content-Encoding), or UnreadableBody."""
    return await _read(request, request.read)


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """The form fields, or UnreadableBody."""
    return await _read(request, request.post)


async def read_json(request: web.Request) -> Any:
    """The JSON document, or UnreadableBody (RecursionError included: a body nested
    deeper than the parser recurses)."""
    return await _read(request, request.json, RecursionError)


async def _read(
    request: web.Request, read: Callable[[], Awaitable[T]], *also: type[Exception]
) -> T:
    caught: tuple[type[BaseException], ...] = (*_UNREADABLE, *also)
    try:
        return await read()
    except caught as exc:
        _give_up(request)
        raise UnreadableBody(type(exc).__name__) from None


def _give_up(request: web.Request) -> None:
    """Read no more of this body, and close the connection after the answer: aiohttp
    would otherwise read the rest after it, meet the same error again and log it as an
    unhandled exception - a traceback in the log for each such request."""
    request.protocol.close()
    request.content.feed_eof()
