"""The payment providers this installation is configured for.

Read from Django's settings (themselves read once from the environment in `settings.py`, see the
README's configuration tables) every time they are asked for, so that a changed setting (tests, a
restart with new secrets) takes effect; the provider objects themselves are cached per
configuration, since they hold HTTP connection pools and access tokens.

A provider is offered only when all of its required settings are set: card (Stripe Checkout)
needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET; PayPal needs PAYPAL_CLIENT_ID,
PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID; Swish needs SWISH_PAYEE_ALIAS, SWISH_CERT and
SWISH_KEY; Bankgiro needs BANKGIRO_NUMBER (with DEBUG a demo number stands in).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consonance.lib.ocr import luhn_check_digit
from consonance.payments.models import Order
from consonance.payments.providers.paypal.adapter import PayPalProvider
from consonance.payments.providers.stripe.adapter import StripeProvider
from consonance.payments.providers.swish.adapter import SwishProvider

# Order.Method value -> the provider's `name`.
# Keyed by the Order.Method values, so a plain string (Order.method) looks it up as well.
METHOD_PROVIDER: dict[str, str] = {
    Order.Method.CARD: "stripe",
    Order.Method.PAYPAL: "paypal",
    Order.Method.SWISH: "swish",
    Order.Method.BANKGIRO: "bankgiro",
}
PROVIDER_METHOD = {name: method for method, name in METHOD_PROVIDER.items()}
DEMO_BANKGIRO_NUMBER = "5050-1055"  # used only with DEBUG and no number set

_cache: dict[tuple, Any] = {}
_lock = threading.Lock()


def cached(key: tuple, build: Callable[[], Any]) -> Any:
    """One object per configuration (a changed setting builds a new one)."""
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def stripe_provider() -> StripeProvider | None:
    secret, webhook = settings.STRIPE_SECRET_KEY.strip(), settings.STRIPE_WEBHOOK_SECRET.strip()
    if not secret or not webhook:
        return None
    base = settings.STRIPE_API_BASE
    return cached(
        ("stripe", secret, webhook, base),
        lambda: StripeProvider(secret_key=secret, webhook_secret=webhook, api_base=base),
    )


def paypal_provider() -> PayPalProvider | None:
    client_id = settings.PAYPAL_CLIENT_ID.strip()
    client_secret = settings.PAYPAL_CLIENT_SECRET.strip()
    webhook_id = settings.PAYPAL_WEBHOOK_ID.strip()
    if not client_id or not client_secret or not webhook_id:
        return None
    base = settings.PAYPAL_API_BASE
    return cached(
        ("paypal", client_id, client_secret, webhook_id, base),
        lambda: PayPalProvider(
            client_id=client_id,
            client_secret=client_secret,
            webhook_id=webhook_id,
            api_base=base,
            brand_name="Consonance Communication",
        ),
    )


def swish_provider() -> SwishProvider | None:
    alias, cert, key = (
        settings.SWISH_PAYEE_ALIAS.strip(),
        settings.SWISH_CERT.strip(),
        settings.SWISH_KEY.strip(),
    )
    if not alias or not cert or not key:
        return None
    ca = settings.SWISH_CA.strip() or None
    passphrase = settings.SWISH_KEY_PASSPHRASE or None
    base = settings.SWISH_API_BASE
    return cached(
        ("swish", alias, cert, key, ca, passphrase, base),
        lambda: SwishProvider(
            base_url=base,
            payee_alias=alias,
            cert_path=cert,
            key_path=key,
            ca_bundle_path=ca,
            key_passphrase=passphrase,
        ),
    )


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
    """The configured provider object for "stripe", "paypal" or "swish"; None if unconfigured."""
    builders = {"stripe": stripe_provider, "paypal": paypal_provider, "swish": swish_provider}
    if name not in builders:
        raise ValueError(f"no provider adapter named {name!r}")
    return builders[name]()


def configured_methods() -> list[str]:
    """The Order.Method values offered to visitors, in the order they are shown."""
    methods: list[str] = []
    if stripe_provider() is not None:
        methods.append(Order.Method.CARD)
    if swish_provider() is not None:
        methods.append(Order.Method.SWISH)
    if paypal_provider() is not None:
        methods.append(Order.Method.PAYPAL)
    if bankgiro_number():
        methods.append(Order.Method.BANKGIRO)
    return methods


# Where a payer is sent to pay: a form on our booking page posts, and the answer redirects
# there. Browsers hold such redirects to the page's CSP form-action, so the booking page allows
# these origins (and only while the provider is configured).
CHECKOUT_ORIGINS = {
    "stripe": ("https://api.stripe.com", ["https://checkout.stripe.com"]),
    "paypal": (
        "https://api-m.paypal.com",
        ["https://www.paypal.com", "https://www.sandbox.paypal.com"],
    ),
}


def checkout_origins() -> list[str]:
    """The origins of the checkout pages of the configured card and PayPal providers (a local
    fake's own origin when the API base points elsewhere, as in the tests)."""
    origins: list[str] = []
    for name, base in (
        ("stripe", settings.STRIPE_API_BASE if stripe_provider() else None),
        ("paypal", settings.PAYPAL_API_BASE if paypal_provider() else None),
    ):
        if base is None:
            continue
        default_base, hosted = CHECKOUT_ORIGINS[name]
        origins.extend(hosted)
        if base.rstrip("/") != default_base and "sandbox" not in base:
            scheme, _, rest = base.partition("://")
            origins.append(f"{scheme}://{rest.split('/', 1)[0]}")
    return origins
