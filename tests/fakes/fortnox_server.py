"""A local stand-in for Fortnox: OAuth2 (authorisation code, rotating refresh tokens) and the
parts of API v3 the bookkeeping app uses (financial years, vouchers), plain HTTP in a thread.

It enforces what the real service does and what the client must survive:
- a refresh token works once: a reused one is refused (400 invalid_grant), and so is one that
  was issued before the latest;
- at most 25 API requests in any 5 seconds, else 429;
- vouchers must balance and fall in an existing financial year (400 otherwise).
Hooks: `fail_next(status)` forces one API answer, `expire_access_tokens()`, `down` (503 to all).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from consonance.lib.loopback import LoopbackFake, basic_credentials, bearer_token

CLIENT_ID = "fortnox-client"
CLIENT_SECRET = "fortnox-secret"
YEARS = {1: ("2026-01-01", "2026-12-31"), 2: ("2027-01-01", "2027-12-31")}


@dataclass
class _State:
    codes: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    refresh_current: str | None = None
    refresh_used: list[str] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    vouchers: list[dict[str, Any]] = field(default_factory=list)
    api_times: deque[float] = field(default_factory=deque)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    forced: list[int] = field(default_factory=list)
    refused_429: int = 0


class FakeFortnoxServer(LoopbackFake):
    keep_alive = False

    def __init__(self, *, rate: int = 25, window: float = 5.0) -> None:
        super().__init__()
        self.rate, self.window = rate, window
        self.state = _State()
        self.lock = threading.Lock()
        self.down = False
        self._numbers = itertools.count(1)

    @property
    def base(self) -> str:
        return self.origin

    # -- test hooks ---------------------------------------------------------------------------

    def issue_code(self) -> str:
        code = secrets.token_urlsafe(12)
        with self.lock:
            self.state.codes.add(code)
        return code

    def fail_next(self, status: int) -> None:
        with self.lock:
            self.state.forced.append(status)

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.state.access_tokens.clear()

    @property
    def vouchers(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.state.vouchers)

    # -- handling -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes):
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            if method == "POST" and url.path == "/oauth-v1/token":
                return self._token(headers, body)
            if self.down:
                return 503, {"message": "Service unavailable"}
            now = time.monotonic()
            times = self.state.api_times
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.rate:
                self.state.refused_429 += 1
                self.state.requests.append((method, url.path, 429))
                return 429, {"message": "Too many requests"}
            times.append(now)
            if bearer_token(headers) not in self.state.access_tokens:
                self.state.requests.append((method, url.path, 401))
                return 401, {"ErrorInformation": {"code": 2000311, "message": "Invalid token"}}
            if self.state.forced:
                status = self.state.forced.pop(0)
                self.state.requests.append((method, url.path, status))
                return status, {"ErrorInformation": {"code": 2000000 + status, "message": "x"}}
            status, answer = self._api(method, url.path, query, body)
            self.state.requests.append((method, url.path, status))
            return status, answer

    def _token(self, headers: dict[str, str], body: bytes):
        params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.state.token_requests.append(params)
        if basic_credentials(headers) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        grant = params.get("grant_type")
        if grant == "authorization_code":
            if params.get("code") not in self.state.codes:
                return 400, {"error": "invalid_grant"}
            self.state.codes.discard(params["code"])
        elif grant == "refresh_token":
            offered = params.get("refresh_token")
            if not offered or offered != self.state.refresh_current:
                return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
            self.state.refresh_used.append(offered)
        else:
            return 400, {"error": "unsupported_grant_type"}
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.state.access_tokens.add(access)
        self.state.refresh_current = refresh  # rotation: the old one is dead from now on
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": "bookkeeping",
        }

    def _api(self, method: str, path: str, query: dict[str, str], body: bytes):
        if method == "GET" and path == "/3/financialyears/":
            date = query.get("date", "")
            found = [
                {"Id": i, "FromDate": a, "ToDate": b}
                for i, (a, b) in YEARS.items()
                if a <= date <= b
            ]
            return 200, {"FinancialYears": found}
        if method == "GET" and path == "/3/vouchers":
            year = int(query.get("financialyear", 0))
            found = [
                v
                for v in self.state.vouchers
                if v["Year"] == year
                and query.get("fromdate", "") <= v["TransactionDate"] <= query.get("todate", "9")
            ]
            return 200, {"Vouchers": found}
        if method == "POST" and path == "/3/vouchers":
            return self._post_voucher(int(query.get("financialyear", 0)), body)
        return 404, {"ErrorInformation": {"code": 404, "message": "Not found"}}

    def _post_voucher(self, year: int, body: bytes):
        try:
            voucher = json.loads(body)["Voucher"]
            rows = voucher["VoucherRows"]
            debit = sum(Decimal(str(r.get("Debit", 0))) for r in rows)
            credit = sum(Decimal(str(r.get("Credit", 0))) for r in rows)
        except (ValueError, KeyError, TypeError):
            return 400, {"ErrorInformation": {"code": 2000588, "message": "Invalid JSON"}}
        if debit != credit or not rows:
            return 400, {"ErrorInformation": {"code": 2000558, "message": "Not balanced"}}
        start, end = YEARS.get(year, ("", ""))
        if not (start <= voucher.get("TransactionDate", "") <= end):
            return 400, {"ErrorInformation": {"code": 2000729, "message": "Wrong year"}}
        stored = {
            **voucher,
            "VoucherNumber": next(self._numbers),
            "Year": year,
        }
        self.state.vouchers.append(stored)
        return 201, {"Voucher": stored}
