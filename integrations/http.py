"""JSON over HTTP to an external system, with per-attempt timeout and retries on 5xx."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from integrations.errors import IntegrationRejected, IntegrationUnavailable

log = logging.getLogger(__name__)

Observe = Callable[[str, float, str], None]
"""`observe(system, seconds, outcome)`, called once per attempt, e.g. to feed metrics."""

# Outcomes passed to `observe`.
OK: Final = "ok"
NOT_FOUND: Final = "not_found"
REJECTED: Final = "rejected"
SERVER_ERROR: Final = "server_error"
TIMEOUT: Final = "timeout"
CONNECTION_ERROR: Final = "connection_error"
BAD_REPLY: Final = "bad_reply"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one attempt may take and how often a transient failure is retried.

    The defaults follow the issue: 5 s per attempt, 3 attempts, waiting 0.2 s then 0.4 s.
    Tests pass tiny values so that failures are proven quickly over real HTTP.
    """

    timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.2

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (2, 3, ...): doubling each time."""
        return float(self.backoff * 2 ** (attempt - 2))


@dataclass(frozen=True, slots=True)
class JsonReply:
    status: int
    body: Any


def path_segment(value: str) -> str:
    """Percent-encode one path segment (`/` too), keeping the `+` of an E.164 number as
    the contracts write it: `/subscribers/+84912345678` (a `+` is literal in a path)."""
    return quote(value, safe="+")


class JsonHttp:
    """One external system's base URL on a shared `aiohttp.ClientSession`.

    The session is owned by the app (opened and closed in a cleanup context), never here,
    so that all clients share one connection pool.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        system: str,
        policy: RetryPolicy | None = None,
        observe: Observe | None = None,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self.system = system
        self.policy = policy or RetryPolicy()
        self._observe = observe

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        not_found: bool = False,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> JsonReply | None:
        """Send one request, retrying connection errors and 5xx replies, and timeouts of
        reads only: a POST that timed out may have been done (an SMS sent), and a second one
        would do it twice.

        Args:
            path: starts with `/`; variable segments already encoded with `path_segment`.
            not_found: the contract gives 404 a meaning ("no such record"): return None
                instead of raising.
            headers: extra request headers (e.g. an access token).
            form: sent as `application/x-www-form-urlencoded` instead of the JSON `body`.

        Raises:
            IntegrationRejected: a 4xx reply (never retried).
            IntegrationUnavailable: retries exhausted, or a 2xx reply that is not JSON.
        """
        url = self._base_url + path
        last_failure = ""
        uncertain = False  # a POST that timed out may have been done
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self.policy.delay_before(attempt))
            started = time.perf_counter()
            try:
                status, raw = await self._attempt(method, url, body, headers, form)
            except TimeoutError:
                self._report(started, TIMEOUT)
                last_failure = "timed out"
                if method.upper() != "GET":
                    uncertain = True
                    break
                continue
            except aiohttp.ClientError as exc:
                self._report(started, CONNECTION_ERROR)
                last_failure = type(exc).__name__
                continue
            if status >= 500:
                self._report(started, SERVER_ERROR)
                last_failure = f"answered {status}"
                continue
            if status == 404 and not_found:
                self._report(started, NOT_FOUND)
                return None
            if status >= 400:
                self._report(started, REJECTED)
                raise IntegrationRejected(
                    f"{self.system} answered {status}: {_error_text(raw)}",
                    system=self.system,
                    status=status,
                )
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError as exc:
                self._report(started, BAD_REPLY)
                raise IntegrationUnavailable(
                    f"{self.system} answered {status} without JSON",
                    system=self.system,
                    uncertain=method.upper() != "GET",  # it said yes, in words we cannot read
                ) from exc
            self._report(started, OK)
            return JsonReply(status, parsed)
        raise IntegrationUnavailable(
            f"{self.system} {last_failure} after {attempt} attempts",
            system=self.system,
            uncertain=uncertain,
        )

    async def _attempt(
        self,
        method: str,
        url: str,
        body: Any,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout)
        sent: dict[str, Any] = {"data": dict(form)} if form is not None else {"json": body}
        async with self._session.request(
            method, url, headers=headers, timeout=timeout, **sent
        ) as response:
            return response.status, await response.read()

    def _report(self, started: float, outcome: str) -> None:
        if self._observe is None:
            return
        try:
            self._observe(self.system, time.perf_counter() - started, outcome)
        except Exception:
            # A broken metrics hook must not fail somebody's registration.
            log.exception("observe hook failed for %s", self.system)


class JsonClient:
    """Base of each system's HTTP adapter: one `JsonHttp` named after `SYSTEM`."""

    SYSTEM: str = ""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        observe: Observe | None = None,
    ) -> None:
        self._http = JsonHttp(session, base_url, system=self.SYSTEM, policy=policy, observe=observe)


def _error_text(raw: bytes) -> str:
    """The `error` of a 4xx body, for logs; the contract's bodies carry no personal data."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return "no JSON body"
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return str(parsed["error"])[:200]
    return "no error field"


def bad_reply(system: str, what: str, *, uncertain: bool = False) -> IntegrationUnavailable:
    """A 2xx reply that does not follow the contract: the system is not usable right now
    (`uncertain`: the reply accepted a request, which may have been carried out)."""
    return IntegrationUnavailable(
        f"{system} sent a malformed reply: {what}", system=system, uncertain=uncertain
    )
