"""The payment providers this installation is configured for.

Read from Django's settings (themselves read once from the environment in `settings.py`, see the
README's configuration tables) every time they are asked for, so that a changed setting (tests, a
restart with new secrets) takes effect; the provider objects themselves are cached per
configuration, since they hold HTTP connection pools and access tokens.

A method is offered only when all of its required settings are set (each provider folder's
`method.py` reads its own; the table of methods, `payments/methods.py`, lists them); Bankgiro
needs BANKGIRO_NUMBER (with DEBUG a demo number stands in).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consonance.lib.ocr import luhn_check_digit
from consonance.payments import methods

DEMO_BANKGIRO_NUMBER = "5050-1055"  # used only with DEBUG and no number set

_cache: dict[tuple, Any] = {}
_lock = threading.Lock()


def cached(key: tuple, build: Callable[[], Any]) -> Any:
    """One object per configuration (a changed setting builds a new one)."""
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def bankgiro_number() -> str | None:
    """The receiving bankgiro number as shown to payers ("5050-1055"), or None if unset.

    With DEBUG a demo number stands in. Raises ImproperlyConfigured for a malformed number
    (wrong length or check digit); system check consonance.E021 reports it at start-up.
    """
    raw = settings.BANKGIRO_NUMBER
    if not raw or not raw.strip():
        return DEMO_BANKGIRO_NUMBER if settings.DEBUG else None
    digits = raw.replace("-", "").replace(" ", "").strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) in (7, 8)):
        raise ImproperlyConfigured(
            f"CONSONANCE_BANKGIRO_NUMBER: expected 7 or 8 digits like 5050-1055, got {raw!r}."
        )
    if luhn_check_digit(digits[:-1]) != digits[-1]:
        raise ImproperlyConfigured(
            f"CONSONANCE_BANKGIRO_NUMBER: {raw!r} has a wrong check digit (Luhn)."
        )
    return f"{digits[:-4]}-{digits[-4:]}"


def provider_for(name: str):
    """The configured adapter of a provider ("stripe"...); None if unconfigured or it has none."""
    row = methods.of_provider(name)
    if row is None:
        raise ValueError(f"no provider adapter named {name!r}")
    return row.build()


def configured_methods() -> list[str]:
    """The Order.Method values offered to visitors, in the order they are shown."""
    return [row.value for row in methods.all_methods() if row.is_configured()]


def hosted_origins(base: str, default_base: str, hosted: list[str]) -> list[str]:
    """Where a payer is sent to pay: a form on our booking page posts, and the answer redirects
    there. Browsers hold such redirects to the page's CSP form-action, so the booking page allows
    the provider's hosted pages (and a local fake's own origin when the API base points elsewhere,
    as in the tests)."""
    origins = list(hosted)
    if base.rstrip("/") != default_base and "sandbox" not in base:
        scheme, _, rest = base.partition("://")
        origins.append(f"{scheme}://{rest.split('/', 1)[0]}")
    return origins


def checkout_origins() -> list[str]:
    """The origins of the checkout pages of the configured providers (only while configured)."""
    return [origin for row in methods.all_methods() for origin in row.checkout_origins()]
