"""Fortnox API v3: connect once (OAuth2 authorisation code), then vouchers flow by themselves.

Tokens: the access token lives an hour; the refresh token rotates on every use, so the new one
is saved in the same transaction as its use, with the connection row locked: two workers never
refresh at once, and a refresh whose answer is lost leaves the old token (refused next time: the
coach connects again, the page says so). Tokens are encrypted at rest with a key derived from
the master key.

Vouchers: POST /3/vouchers?financialyear=<id> (the id looked up by date). Never twice: a posting
is marked "sending" (committed) before the request; a posting found "sending" after a crash is
first looked up in Fortnox by its marker in the description. Within 25 requests per 5 seconds;
a 429 backs off and retries; an outage leaves the posting pending with a later next attempt.
"""

from __future__ import annotations

import base64
import collections
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.bookkeeping.models import FortnoxConnection, FortnoxPosting, Voucher
from consonance.lib.crypto import derive_key, encrypt, parse_master_key
from consonance.lib.http import (
    BearerAuth,
    OwnsClient,
    Retry,
    ServiceClient,
    ServiceError,
    json_object,
)
from consonance.lib.keyring import decrypt_any, derived_keys
from consonance.lib.urls import absolute_reverse

log = logging.getLogger(__name__)

RATE = 25  # requests
WINDOW = 5.0  # seconds
SCOPE = "bookkeeping"
SENDING_LEASE = timedelta(minutes=10)
RETRY_AFTER = (60, 300, 900, 3600, 6 * 3600)  # seconds after each failed attempt


class FortnoxError(ServiceError):
    def __init__(self, code: str, status: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class FortnoxAuthLost(FortnoxError):
    """The refresh token was refused (used, expired or revoked): connect again."""


def is_configured() -> bool:
    return bool(settings.FORTNOX_CLIENT_ID and settings.FORTNOX_CLIENT_SECRET)


def _key() -> bytes:
    return derive_key(parse_master_key(settings.CONSONANCE_MASTER_KEY), "fortnox-tokens")


def _seal(token: str, kind: str) -> bytes:
    return encrypt(_key(), token.encode(), f"fortnox:{kind}".encode())


def _open(blob: bytes | memoryview, kind: str) -> str:
    # Under either master key during a rotation; sealed anew under the current one on refresh.
    return decrypt_any(
        derived_keys("fortnox-tokens"), bytes(blob), f"fortnox:{kind}".encode()
    ).decode()


def redirect_uri() -> str:
    return absolute_reverse("bookkeeping-staff-fortnox-callback")


def authorize_url(state: str) -> str:
    query = {
        "client_id": settings.FORTNOX_CLIENT_ID,
        "redirect_uri": redirect_uri(),
        "scope": SCOPE,
        "state": state,
        "access_type": "offline",
        "response_type": "code",
    }
    return f"{settings.FORTNOX_AUTH_BASE}/oauth-v1/auth?{urlencode(query)}"


def _token_request(data: dict[str, str]) -> dict[str, Any]:
    basic = base64.b64encode(
        f"{settings.FORTNOX_CLIENT_ID}:{settings.FORTNOX_CLIENT_SECRET}".encode()
    ).decode()
    with ServiceClient("Fortnox", timeout=20, unreachable=_unreachable) as http:
        response = http.request(
            "POST",
            f"{settings.FORTNOX_AUTH_BASE}/oauth-v1/token",
            action="token",
            data=data,
            headers={"Authorization": f"Basic {basic}"},
        )
    if response.status_code in (400, 401):
        raise FortnoxAuthLost("token_refused", response.status_code)
    if response.status_code != 200:
        raise FortnoxError(f"token_http_{response.status_code}", response.status_code)
    body = response.json()
    if not body.get("access_token") or not body.get("refresh_token"):
        raise FortnoxError("token_malformed")
    return body


def _store(connection: FortnoxConnection, body: dict[str, Any], now: datetime) -> None:
    connection.refresh_token_ciphertext = _seal(body["refresh_token"], "refresh")
    connection.access_token_ciphertext = _seal(body["access_token"], "access")
    # A minute's margin, so a token never expires in the middle of a request.
    connection.access_expires_at = now + timedelta(seconds=int(body.get("expires_in", 3600)) - 60)
    connection.refreshed_at = now
    connection.broken = ""


def fortnox_connect(*, code: str, actor: str) -> FortnoxConnection:
    """Exchange the authorisation code for tokens and keep them (replacing any old connection)."""
    body = _token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri()}
    )
    now = timezone.now()
    with transaction.atomic():
        FortnoxConnection.objects.all().delete()
        connection = FortnoxConnection(created_at=now)
        _store(connection, body, now)
        connection.save()
        audit_append(actor=actor, action="fortnox.connected", category="bookkeeping", detail={})
    return connection


def fortnox_disconnect(*, actor: str) -> None:
    with transaction.atomic():
        FortnoxConnection.objects.all().delete()
        audit_append(actor=actor, action="fortnox.disconnected", category="bookkeeping", detail={})


def connection_state() -> str:
    """ "none", "ok" or "broken" (needs connecting again)."""
    connection = FortnoxConnection.objects.first()
    if connection is None:
        return "none"
    return "broken" if connection.broken else "ok"


def access_token(now: datetime | None = None) -> str:
    """A valid access token, refreshing (and rotating the refresh token) under a row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        connection = FortnoxConnection.objects.select_for_update().first()
        if connection is None:
            raise FortnoxAuthLost("not_connected")
        if connection.broken:
            raise FortnoxAuthLost(connection.broken)
        if connection.access_expires_at and connection.access_expires_at > now:
            return _open(connection.access_token_ciphertext, "access")
        refresh = _open(connection.refresh_token_ciphertext, "refresh")
        try:
            body = _token_request({"grant_type": "refresh_token", "refresh_token": refresh})
        except FortnoxAuthLost:
            body = None
        if body is not None:
            _store(connection, body, now)
            connection.save()
            return _open(connection.access_token_ciphertext, "access")
        # Refused: the token was used or revoked. Say so (committed), then stop.
        FortnoxConnection.objects.filter(pk=connection.pk).update(broken="refresh_refused")
    raise FortnoxAuthLost("refresh_refused")


class RateLimiter:
    """At most RATE requests in any WINDOW seconds (Fortnox: 25 per 5 s), per process."""

    def __init__(
        self,
        rate: int = RATE,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.window, self.clock, self.sleep = rate, window, clock, sleep
        self.sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        now = self.clock()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.rate:
            self.sleep(self.window - (now - self.sent[0]) + 0.01)
            self.sent.popleft()
        self.sent.append(self.clock())


class FortnoxClient(OwnsClient[ServiceClient]):
    def __init__(self, *, limiter: RateLimiter | None = None, max_429: int = 5) -> None:
        self.limiter = limiter or RateLimiter()
        self.max_429 = max_429
        # A 429 was refused before any work: safe to send again, even a voucher's POST.
        self._http = ServiceClient(
            "Fortnox",
            base_url=settings.FORTNOX_API_BASE,
            timeout=20,
            retry=Retry(attempts=max_429, backoff=1.0, statuses=frozenset({429})),
            unreachable=_unreachable,
            before_send=self.limiter.wait,
            sleep=self.limiter.sleep,
        )
        # The token is read (and refreshed, under a row lock) for every request sent.
        self.auth = BearerAuth(access_token)
        self.years: dict[str, int] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http.request(
            method, path, auth=self.auth, headers={"Accept": "application/json"}, **kwargs
        )
        if response.status_code == 401:
            raise FortnoxError("unauthorised", 401)
        if response.status_code >= 400:
            raise FortnoxError(_error_code(response), response.status_code)
        return response.json() if response.content else {}

    def financial_year(self, date: str, key: str) -> int:
        """Fortnox's id of the financial year holding `date` (cached per our fiscal year)."""
        if key not in self.years:
            body = self.request("GET", "/3/financialyears/", params={"date": date})
            years = body.get("FinancialYears") or []
            if not years:
                raise FortnoxError("no_financial_year", 400)
            self.years[key] = int(years[0]["Id"])
        return self.years[key]

    def find_voucher(self, year_id: int, marker: str, date: str) -> dict | None:
        body = self.request(
            "GET",
            "/3/vouchers",
            params={"financialyear": year_id, "fromdate": date, "todate": date},
        )
        for found in body.get("Vouchers") or []:
            if marker in str(found.get("Description") or ""):
                return found
        return None

    def post_voucher(self, year_id: int, payload: dict) -> dict:
        body = self.request(
            "POST", "/3/vouchers", params={"financialyear": year_id}, json={"Voucher": payload}
        )
        return body.get("Voucher") or {}


def _unreachable(error: httpx.HTTPError, action: str) -> FortnoxError:
    return FortnoxError("unreachable")


def _error_code(response: httpx.Response) -> str:
    info = (json_object(response) or {}).get("ErrorInformation") or {}
    code = info.get("code") or info.get("Code")
    return f"http_{response.status_code}" + (f"_{code}" if code else "")


def marker(voucher: Voucher) -> str:
    return f"[Consonance {voucher.series}{voucher.number}/{voucher.fiscal_year_start:%Y}]"


def payload(voucher: Voucher) -> dict:
    rows = [
        {
            "Account": int(row.account),
            "Debit": float(row.amount) if row.amount > 0 else 0,
            "Credit": float(-row.amount) if row.amount < 0 else 0,
        }
        for row in voucher.rows.all()
    ]
    return {
        "Description": f"{voucher.description[:160]} {marker(voucher)}",
        "TransactionDate": voucher.date.isoformat(),
        "VoucherSeries": settings.FORTNOX_VOUCHER_SERIES,
        "VoucherRows": rows,
    }


def _due(now: datetime, limit: int) -> list[int]:
    return list(
        FortnoxPosting.objects.filter(
            state__in=(FortnoxPosting.State.PENDING, FortnoxPosting.State.SENDING),
            next_attempt_at__lte=now,
        )
        .order_by("voucher__fiscal_year_start", "voucher__series", "voucher__number")
        .values_list("pk", flat=True)[:limit]
    )


def fortnox_sync(*, limit: int = 500, client: FortnoxClient | None = None) -> dict[str, int]:
    """Send due vouchers to Fortnox. Returns counts by outcome."""
    counts = {"sent": 0, "found": 0, "failed": 0, "retry": 0}
    if connection_state() != "ok":
        return counts
    own = client is None
    client = client or FortnoxClient()
    try:
        for pk in _due(timezone.now(), limit):
            outcome = _send_one(client, pk)
            counts[outcome] += 1
            if outcome == "retry" and counts["retry"] >= 3:
                break  # Fortnox looks down: try again at the next run
    except FortnoxAuthLost:
        log.warning("fortnox: connection lost; the coach must connect again")
    finally:
        if own:
            client.close()
    return counts


def _send_one(client: FortnoxClient, pk: int) -> str:
    with transaction.atomic():
        posting = FortnoxPosting.objects.select_for_update().select_related("voucher").get(pk=pk)
        if posting.state not in (FortnoxPosting.State.PENDING, FortnoxPosting.State.SENDING):
            return "found"
        uncertain = posting.state == FortnoxPosting.State.SENDING
        posting.state = FortnoxPosting.State.SENDING
        posting.attempts += 1
        # A lease: no other worker takes it up until then; after a crash, it is looked up first.
        posting.next_attempt_at = timezone.now() + SENDING_LEASE
        posting.save(update_fields=["state", "attempts", "next_attempt_at"])
    voucher = posting.voucher
    try:
        year_id = client.financial_year(voucher.date.isoformat(), str(voucher.fiscal_year_start))
        remote = (
            client.find_voucher(year_id, marker(voucher), voucher.date.isoformat())
            if uncertain
            else None
        )
        outcome = "found" if remote else "sent"
        if remote is None:
            remote = client.post_voucher(year_id, payload(voucher))
    except FortnoxAuthLost:
        _settle(posting, FortnoxPosting.State.PENDING, "connection_lost", retry=False)
        raise
    except FortnoxError as error:
        if error.status and 400 <= error.status < 500 and error.status != 429:
            _settle(posting, FortnoxPosting.State.FAILED, error.code, retry=False)
            return "failed"
        _settle(posting, FortnoxPosting.State.PENDING, error.code, retry=True)
        return "retry"
    with transaction.atomic():
        FortnoxPosting.objects.filter(pk=posting.pk).update(
            state=FortnoxPosting.State.SENT,
            error="",
            remote_series=str(remote.get("VoucherSeries") or "")[:4],
            remote_number=remote.get("VoucherNumber"),
            sent_at=timezone.now(),
        )
    return outcome


def _settle(posting: FortnoxPosting, state: str, error: str, *, retry: bool) -> None:
    delay = RETRY_AFTER[min(posting.attempts, len(RETRY_AFTER)) - 1] if retry else 0
    FortnoxPosting.objects.filter(pk=posting.pk).update(
        state=state,
        error=error[:200],
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )


def fortnox_retry(*, posting_id: int, actor: str) -> bool:
    """The coach sends a failed voucher again (after fixing the cause in Fortnox)."""
    with transaction.atomic():
        changed = FortnoxPosting.objects.filter(
            pk=posting_id, state=FortnoxPosting.State.FAILED
        ).update(state=FortnoxPosting.State.PENDING, next_attempt_at=timezone.now(), error="")
        if changed:
            audit_append(
                actor=actor,
                action="fortnox.retry",
                category="bookkeeping",
                detail={"posting": posting_id},
            )
    return bool(changed)


def fortnox_queue_missing() -> int:
    """Queue every voucher that has no posting yet (after connecting Fortnox)."""
    missing = Voucher.objects.filter(fortnox__isnull=True).values_list("pk", flat=True)
    FortnoxPosting.objects.bulk_create(FortnoxPosting(voucher_id=pk) for pk in missing)
    return len(missing)
