"""CRLs fetched over HTTP from a certificate's distribution point, cached until their nextUpdate."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Final, Protocol

import aiohttp
from cryptography import x509

from bot.i18n import Msg, msg

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 5.0


class RevocationUnavailable(Exception):
    """Revocation data could not be obtained: the certificate is not accepted, try later."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message: Msg = msg("pki.revocation_unavailable")


class CrlSource(Protocol):
    async def crl(self, url: str, *, now: dt.datetime) -> bytes:
        """The DER CRL published at `url`, fresh at `now`; raises RevocationUnavailable."""
        ...


def distribution_points(cert: x509.Certificate) -> list[str]:
    """HTTP(S) URLs of the certificate's CRL distribution points."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in ext.value:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return urls


class HttpCrlSource:
    """Fetches CRLs with aiohttp and keeps each until its nextUpdate.

    The session belongs to the caller (opened and closed in the app's cleanup context).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = 2,
    ) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = attempts
        self._cache: dict[str, tuple[bytes, dt.datetime]] = {}

    async def crl(self, url: str, *, now: dt.datetime) -> bytes:
        cached = self._cache.get(url)
        if cached is not None and now < cached[1]:
            return cached[0]
        der = await self._download(url)
        try:
            next_update = x509.load_der_x509_crl(der).next_update_utc
        except ValueError as exc:
            raise RevocationUnavailable(f"unreadable CRL from {url}") from exc
        if next_update is None or next_update <= now:
            raise RevocationUnavailable(f"stale CRL from {url}")
        self._cache[url] = (der, next_update)
        return der

    async def _download(self, url: str) -> bytes:
        last: Exception | None = None
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(0.2 * attempt)
            try:
                async with self._session.get(url, timeout=self._timeout) as resp:
                    if resp.status == 200:
                        return await resp.read()
                    last = RuntimeError(f"HTTP {resp.status}")
                    if resp.status < 500:
                        break
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = exc
        log.warning("CRL unavailable from %s: %s", url, last)
        raise RevocationUnavailable(f"CRL unavailable from {url}: {last}")
