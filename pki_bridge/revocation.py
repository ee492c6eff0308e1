"""Revocation data for certificate validation: pyhanko-certvalidator's own aiohttp fetchers
(OCSP, CRL, AIA) over regbot's HTTP session, bodies capped, verified CRLs kept a while."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, cast

import aiohttp
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko_certvalidator.errors import OCSPFetchError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import CRLFetcher, Fetchers, FetchLimits, OCSPFetcher
from pyhanko_certvalidator.path import ValidationPath

DEFAULT_TIMEOUT: Final = 5.0  # seconds per request
MAX_BODY: Final = 16 * 1024 * 1024  # a CRL, an OCSP response or a CA certificate
CRL_MAX_AGE: Final = dt.timedelta(hours=1)  # a verified CRL is kept at most this long
MAX_KEPT_CRLS: Final = 64  # distribution points; the oldest goes first
OCSP_MAX_AGE: Final = dt.timedelta(minutes=5)
"""How old an OCSP answer may be (its producedAt and thisUpdate) when it is used: regbot
asks the responder at each validation, so an honest answer is seconds old. A signed
"good" answer stays valid until its nextUpdate, often hours; without this cap one
captured before a revocation could be replayed over plain HTTP (a responder need not
echo the nonce). An older answer counts as none: the CRL decides, or nothing does."""
# per validation: a signer, two intermediates, OCSP and CRL for each, a few AIA fetches
LIMITS: Final = FetchLimits(max_requests=12, max_cert_requests=4, max_aia_urls_per_object=2)


class _CappedResponse:
    """An aiohttp response whose `read()` refuses a body over `limit` bytes."""

    def __init__(self, response: aiohttp.ClientResponse, limit: int) -> None:
        self._response, self._limit = response, limit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)

    async def read(self) -> bytes:
        declared = self._response.content_length
        if declared is not None and declared > self._limit:
            raise aiohttp.ClientPayloadError(f"{declared} bytes announced, {self._limit} allowed")
        body = bytearray()
        async for chunk in self._response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self._limit:
                raise aiohttp.ClientPayloadError(f"more than {self._limit} bytes")
        return bytes(body)


class _CappedRequest:
    def __init__(self, request: Any, limit: int) -> None:
        self._request, self._limit = request, limit

    async def __aenter__(self) -> _CappedResponse:
        return _CappedResponse(await self._request.__aenter__(), self._limit)

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._request.__aexit__(*exc_info)


class CappedSession:
    """regbot's session as the fetchers see it: `get`/`post` (all they call), bodies capped.

    aiohttp has no body limit of its own, and a CA's server (or whoever answers in its name)
    must not make regbot read an endless CRL.
    """

    def __init__(self, session: aiohttp.ClientSession, limit: int = MAX_BODY) -> None:
        self._session, self._limit = session, limit

    def get(self, url: str, **kwargs: Any) -> _CappedRequest:
        return _CappedRequest(self._session.get(url, **kwargs), self._limit)

    def post(self, url: str, **kwargs: Any) -> _CappedRequest:
        return _CappedRequest(self._session.post(url, **kwargs), self._limit)


def crl_urls(cert: asn1_x509.Certificate) -> tuple[str, ...]:
    """The HTTP(S) URLs of a certificate's CRL distribution points."""
    urls = (point.url for point in cert.crl_distribution_points)
    return tuple(sorted(url for url in urls if url))


def crl_verifies(
    certificate_list: asn1_crl.CertificateList, issuer: asn1_x509.Certificate, now: dt.datetime
) -> bool:
    """Signed by `issuer`, in its name, and current at `now`."""
    try:
        parsed = x509.load_der_x509_crl(certificate_list.dump())
        issuer_cert = x509.load_der_x509_certificate(issuer.dump())
        signed = parsed.is_signature_valid(issuer_cert.public_key())  # type: ignore[arg-type]
    except (ValueError, TypeError, InvalidSignature):
        return False
    next_update = parsed.next_update_utc
    return (
        signed
        and parsed.issuer == issuer_cert.subject
        and parsed.last_update_utc <= now
        and next_update is not None
        and now < next_update
    )


def ocsp_fresh(response: asn1_ocsp.OCSPResponse, at: dt.datetime) -> bool:
    """The answer was produced, and says what it says as of, no longer than
    `OCSP_MAX_AGE` before `at` (a moment after it was fetched)."""
    try:
        data = response.basic_ocsp_response["tbs_response_data"]
        times = [data["produced_at"].native]
        times += [single["this_update"].native for single in data["responses"]]
    except (ValueError, KeyError, TypeError, AttributeError):  # unsuccessful, or garbage
        return False
    return bool(times[1:]) and all(at - when <= OCSP_MAX_AGE for when in times)


class _FreshOcspFetcher(OCSPFetcher):
    """certvalidator's OCSP fetcher, passing on fresh answers only (`ocsp_fresh`): a stale
    one is as good as a responder that did not answer, so the CRL is asked."""

    def __init__(self, inner: OCSPFetcher, clock: Callable[[], dt.datetime]) -> None:
        self._inner, self._clock = inner, clock
        self._stale: set[bytes] = set()

    async def fetch(self, cert: Any, authority: Any) -> asn1_ocsp.OCSPResponse:
        response = await self._inner.fetch(cert, authority)
        if not ocsp_fresh(response, self._clock()):
            self._stale.add(response.dump())
            raise OCSPFetchError(f"the OCSP answer is older than {OCSP_MAX_AGE}")
        return response

    def fetched_responses(self) -> Iterable[asn1_ocsp.OCSPResponse]:
        return [r for r in self._inner.fetched_responses() if r.dump() not in self._stale]

    def fetched_responses_for_cert(self, cert: Any) -> Iterable[asn1_ocsp.OCSPResponse]:
        fetched = self._inner.fetched_responses_for_cert(cert)
        return [r for r in fetched if r.dump() not in self._stale]


@dataclass(frozen=True, slots=True)
class _Kept:
    crls: tuple[asn1_crl.CertificateList, ...]
    until: dt.datetime


class _KeptCrlFetcher(CRLFetcher):
    """certvalidator's CRL fetcher, answering from the verified CRLs first."""

    def __init__(self, inner: CRLFetcher, kept: Callable[[tuple[str, ...]], _Kept | None]):
        self._inner, self._kept = inner, kept
        self._hits: dict[bytes, tuple[asn1_crl.CertificateList, ...]] = {}

    async def fetch(self, cert: Any, *, use_deltas: Any = None) -> Iterable[Any]:
        if isinstance(cert, asn1_x509.Certificate):
            kept = self._kept(crl_urls(cert))
            if kept is not None:
                self._hits[cert.issuer_serial] = kept.crls
                return kept.crls
        return await self._inner.fetch(cert, use_deltas=use_deltas)

    def downloaded_for(self, cert: asn1_x509.Certificate) -> Iterable[asn1_crl.CertificateList]:
        """What this validation downloaded for `cert` (KeyError: nothing)."""
        return self._inner.fetched_crls_for_cert(cert)

    def fetched_crls(self) -> Iterable[Any]:
        hits = (c for crls in self._hits.values() for c in crls)
        return {*self._inner.fetched_crls(), *hits}

    def fetched_crls_for_cert(self, cert: Any) -> Iterable[Any]:
        hit = self._hits.get(cert.issuer_serial)
        return hit if hit is not None else self._inner.fetched_crls_for_cert(cert)


class RevocationSource:
    """Fetchers for one validation each (their own request budget and in-validation cache),
    sharing regbot's session and the CRLs that verified in an accepted path.

    OCSP answers are never reused across validations: each registration asks the
    responder, and an answer older than `OCSP_MAX_AGE` counts as none. A CRL is reused
    until its nextUpdate, at most `crl_max_age`.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = MAX_BODY,
        crl_max_age: dt.timedelta = CRL_MAX_AGE,
        limits: FetchLimits = LIMITS,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        # a duck-typed view: the fetchers call nothing but get() and post()
        capped = cast(aiohttp.ClientSession, CappedSession(session, max_body))
        self._backend = AIOHttpFetcherBackend(capped, timeout, limits=limits)
        self._max_age, self._clock = crl_max_age, clock
        self._kept: dict[tuple[str, ...], _Kept] = {}

    def fetchers(self) -> Fetchers:
        fresh = self._backend.get_fetchers()
        return Fetchers(
            ocsp_fetcher=_FreshOcspFetcher(fresh.ocsp_fetcher, self._clock),
            crl_fetcher=_KeptCrlFetcher(fresh.crl_fetcher, self._kept_for),
            cert_fetcher=fresh.cert_fetcher,
        )

    def _kept_for(self, urls: tuple[str, ...]) -> _Kept | None:
        kept = self._kept.get(urls)
        if kept is not None and self._clock() >= kept.until:
            del self._kept[urls]
            return None
        return kept

    def remember(self, path: ValidationPath, fetchers: Fetchers) -> None:
        """Keep the CRLs this accepted validation downloaded, if they verify against the
        issuer in its path."""
        crl_fetcher = fetchers.crl_fetcher
        if not isinstance(crl_fetcher, _KeptCrlFetcher):
            return
        now = self._clock()
        certs = list(path.iter_certs(include_root=True))
        for issuer, cert in itertools.pairwise(certs):
            try:
                downloaded = list(crl_fetcher.downloaded_for(cert))
            except KeyError:
                continue
            verified = tuple(c for c in downloaded if crl_verifies(c, issuer, now))
            urls = crl_urls(cert)
            if not verified or not urls:
                continue
            updates = [c["tbs_cert_list"]["next_update"].native for c in verified]
            until = min([now + self._max_age, *updates])
            self._kept.pop(urls, None)
            while len(self._kept) >= MAX_KEPT_CRLS:
                del self._kept[next(iter(self._kept))]
            self._kept[urls] = _Kept(verified, until)
