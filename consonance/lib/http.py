"""One base for the outside services (Stripe, PayPal, Swish, Zoom, Fortnox): an httpx client with
its lifecycle, timeouts, retries where they are safe, transport errors mapped into the adapter's
own error type, an OAuth token cache, and one log line per request without personal data.

What stays in each adapter: its endpoints, its payloads and how it reads an error answer (each
service words refusals differently, and their message texts can echo what we sent, so only codes
are kept). The adapter hands `ServiceClient` a function that turns a transport failure into its
error type; an answer with an error status is returned to the adapter as it is.

Retries: none unless an adapter asks (`Retry(attempts=...)`), and then only what cannot book
anything twice: a connection that never reached the service, a 429 (refused before any work), and
for idempotent requests (GET, PUT, DELETE, or a POST carrying an idempotency key: the caller says
`idempotent=True`) a 502/503/504 or a timeout.

Logging ("consonance.http", INFO): service, method, host, path, status and duration. Never the
query string (Fortnox's dates, a search), the body or any header; the path holds ids only (the
adapters put no personal data in a path). Hence not for an address that is itself a secret (the
coach's calendar feed, booking/busy.py, is read with a plain httpx client and never logged).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Final, Protocol, Self

import httpx

logger = logging.getLogger("consonance.http")

# Failures before the request went out: nothing can have happened at the service.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout)
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Renew a token this long before the service's expiry, so a token never dies mid-request.
TOKEN_MARGIN: Final = 60.0


class ServiceError(Exception):
    """An outside service refused a request or could not be reached; the message has no personal
    data. The adapters' own errors (ProviderError, ZoomError, FortnoxError) derive from it."""


@dataclass(frozen=True, slots=True)
class Retry:
    """How often to try again, and after how long (doubling from `backoff`; a Retry-After header
    wins, both capped at `max_delay`)."""

    attempts: int = 0  # further attempts after the first
    backoff: float = 0.5
    max_delay: float = 30.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        after = response.headers.get("Retry-After") if response is not None else None
        try:
            seconds = float(after) if after else 0.0
        except ValueError:  # an HTTP date: rare, and the back-off is as good
            seconds = 0.0
        return min(seconds or self.backoff * 2.0**attempt, self.max_delay)


def describe(error: httpx.HTTPError) -> str:
    """A transport failure in words with no URL or data in them: "timed out" or its type."""
    return "timed out" if isinstance(error, httpx.TimeoutException) else type(error).__name__


def _unreachable(service: str) -> Callable[[httpx.HTTPError, str], Exception]:
    return lambda error, action: ServiceError(f"{service} {action} failed: {describe(error)}")


class _Closable(Protocol):
    def close(self) -> None: ...


class OwnsClient[C: _Closable]:
    """`close()` and `with` for whatever holds its client in `_http` (an adapter its
    ServiceClient, the ServiceClient its httpx.Client): the connection pool goes with it."""

    _http: C

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ServiceClient(OwnsClient[httpx.Client]):
    """One connection pool to one service, shared between threads; close it (or use `with`)."""

    def __init__(
        self,
        service: str,
        *,
        base_url: str = "",
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        headers: dict[str, str] | None = None,
        verify: Any = True,
        transport: httpx.BaseTransport | None = None,
        retry: Retry = Retry(),
        unreachable: Callable[[httpx.HTTPError, str], Exception] | None = None,
        before_send: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.service = service
        self.retry = retry
        self.sleep = sleep
        self._unreachable = unreachable or _unreachable(service)
        self._before_send = before_send
        # `transport` lets a test swap the network for httpx.MockTransport; normally unset.
        self._http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout or timeout),
            headers=headers,
            verify=verify,
            transport=transport,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        action: str = "request",
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request (again, where `retry` allows and it is safe) and return the answer,
        whatever its status; a transport failure raises the adapter's error for `action`."""
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            if self._before_send is not None:
                self._before_send()
            started = time.monotonic()
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.HTTPError as error:
                self._log(method, _request_of(error), None, started)
                # A connection never made reached nothing: safe to try again for any request.
                if not self._again(attempt, safe or isinstance(error, _NOT_SENT), None):
                    raise self._unreachable(error, action) from error
            else:
                self._log(method, response.request, response.status_code, started)
                # A 429 was refused before any work was done.
                retryable = response.status_code in self.retry.statuses
                if not (
                    retryable
                    and self._again(attempt, safe or response.status_code == 429, response)
                ):
                    return response
            attempt += 1

    def _again(self, attempt: int, safe: bool, response: httpx.Response | None) -> bool:
        """Whether to try once more; if so, after the back-off."""
        if not safe or attempt >= self.retry.attempts:
            return False
        self.sleep(self.retry.delay(attempt, response))
        return True

    def _log(
        self, method: str, request: httpx.Request | None, status: int | None, started: float
    ) -> None:
        milliseconds = (time.monotonic() - started) * 1000
        host, path = (request.url.host, request.url.path) if request is not None else ("?", "?")
        outcome = str(status) if status is not None else "no answer"
        logger.info(
            "%s %s %s%s -> %s in %.0f ms", self.service, method, host, path, outcome, milliseconds
        )


def _request_of(error: httpx.HTTPError) -> httpx.Request | None:
    try:
        return error.request
    except RuntimeError:  # httpx had none to give
        return None


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class TokenCache:
    """An OAuth access token, fetched by `fetch` (token, lifetime in seconds), kept until shortly
    before it expires and forgotten when the service refuses it. Safe to share between threads."""

    def __init__(
        self,
        fetch: Callable[[], tuple[str, float]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._token, lifetime = self._fetch()
                # For unusually short tokens keep half their life rather than none.
                self._expires = self._clock() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    def forget(self, token: str) -> None:
        with self._lock:
            if self._token == token:  # another thread may already have renewed it
                self._token = None


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer` with the token `get` gives for each request. With `forget` (a
    TokenCache's), a 401 (revoked, rotated or expired early) gets one fresh token and one more
    try, whose answer stands."""

    def __init__(self, get: Callable[[], str], forget: Callable[[str], None] | None = None) -> None:
        self._get = get
        self._forget = forget

    @classmethod
    def cached(cls, tokens: TokenCache) -> BearerAuth:
        return cls(tokens.get, tokens.forget)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._get()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and self._forget is not None:
            self._forget(token)
            request.headers["Authorization"] = f"Bearer {self._get()}"
            yield request
