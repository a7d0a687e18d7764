"""The client's address and rate limits (issue 12, findings 2 and 5).

`client_ip(request)` is REMOTE_ADDR, unless REMOTE_ADDR is a proxy named in
CONSONANCE_TRUSTED_PROXIES: then it is the right-most address of X-Forwarded-For that is not itself
a trusted proxy (the left part of the header is whatever the client wrote, so it is never used).
django-axes keys staff lockouts on (user name, this address), so a stranger cannot lock the coach
out from elsewhere.

`rate_limited(request, scope, address=...)` counts one attempt per client address and, when given,
per e-mail address, in Django's cache (a database table: shared by every gunicorn worker, on
SQLite and PostgreSQL) and says whether either limit is exceeded. Keys are keyed hashes: neither
the IP nor the address is stored.
"""

from __future__ import annotations

import ipaddress
import time
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from consonance.lib.text import normalise_email

SALT = "consonance.ratelimit"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.CONSONANCE_TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the client, trusting X-Forwarded-For only from a trusted proxy."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if not remote or not _trusted(remote):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled header: keep the proxy's address rather than guess
        if not _trusted(hop):
            return hop
    return remote


def _key(scope: str, kind: str, value: str) -> str:
    digest = salted_hmac(SALT, f"{scope}|{kind}|{value}", algorithm="sha256").hexdigest()
    return f"rl:{digest[:40]}"


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; True when the limit is exceeded. (Two requests in
    the same instant may both read the same count: the limit can be passed by one or two, never
    by many.)"""
    now = time.time()
    entry = django_cache.get(key)
    count, reset_at = entry if isinstance(entry, tuple) and entry[1] > now else (0, now + window)
    count += 1
    django_cache.set(key, (count, reset_at), timeout=max(1, int(reset_at - now) + 1))
    return count > limit


def rate_limited(request: HttpRequest, scope: str, *, address: str | None = None) -> bool:
    """Count this attempt against the per-client and (with `address`) per-address limits of
    `scope`; True when one of them is exceeded (the caller then answers rate_limit_response)."""
    limit, window = settings.RATE_LIMIT_PER_IP
    over = _hit(_key(scope, "ip", client_ip(request)), limit, window)
    if address:
        limit, window = settings.RATE_LIMIT_PER_ADDRESS
        over = _hit(_key(scope, "address", normalise_email(address)), limit, window) or over
    return over


def rate_limit_response(request: HttpRequest) -> HttpResponse:
    """429 with a calm page; the same whatever the address (it reveals nothing about it)."""
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = str(settings.RATE_LIMIT_PER_IP[1])
    return response
