"""The payment providers and the video service this installation is configured for.

Read from the environment (each variable may also come from `<NAME>_FILE`) every time they are
asked for, so a changed environment (tests, a restart with new secrets) takes effect; the
provider objects themselves are cached per configuration, since they hold HTTP connection pools
and access tokens.

A provider is offered only when all of its required variables are set:

- card (Stripe Checkout): CONSONANCE_STRIPE_SECRET_KEY, CONSONANCE_STRIPE_WEBHOOK_SECRET
  (optional CONSONANCE_STRIPE_API_BASE);
- PayPal: CONSONANCE_PAYPAL_CLIENT_ID, CONSONANCE_PAYPAL_CLIENT_SECRET,
  CONSONANCE_PAYPAL_WEBHOOK_ID (optional CONSONANCE_PAYPAL_API_BASE, default live);
- Swish: CONSONANCE_SWISH_PAYEE_ALIAS, CONSONANCE_SWISH_CERT, CONSONANCE_SWISH_KEY (file paths;
  optional CONSONANCE_SWISH_KEY_PASSPHRASE, CONSONANCE_SWISH_CA, CONSONANCE_SWISH_API_BASE);
- Bankgiro: CONSONANCE_BANKGIRO_NUMBER (with CONSONANCE_DEBUG a demo number is used when unset).

Video: Zoom with CONSONANCE_ZOOM_ACCOUNT_ID, _CLIENT_ID, _CLIENT_SECRET (optional
CONSONANCE_ZOOM_OAUTH_BASE, CONSONANCE_ZOOM_API_BASE); otherwise the fixed link
CONSONANCE_VIDEO_LINK; otherwise none (the confirmation says the link comes separately).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from consonance.booking.zoom import FixedLinkVideo, VideoMeetings, ZoomClient
from consonance.lib.env import env_str
from consonance.payments.models import Order

# Order.Method value -> the provider's `name`.
# Keyed by the Order.Method values, so a plain string (Order.method) looks it up as well.
METHOD_PROVIDER: dict[str, str] = {
    Order.Method.CARD: "stripe",
    Order.Method.PAYPAL: "paypal",
    Order.Method.SWISH: "swish",
    Order.Method.BANKGIRO: "bankgiro",
}
PROVIDER_METHOD = {name: method for method, name in METHOD_PROVIDER.items()}

_cache: dict[tuple, Any] = {}
_lock = threading.Lock()


def _env(name: str) -> str:
    return (env_str(name) or "").strip()


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def stripe_provider():
    secret, webhook = _env("CONSONANCE_STRIPE_SECRET_KEY"), _env("CONSONANCE_STRIPE_WEBHOOK_SECRET")
    if not secret or not webhook:
        return None
    from consonance.payments.providers.stripe import DEFAULT_API_BASE, StripeProvider

    base = _env("CONSONANCE_STRIPE_API_BASE") or DEFAULT_API_BASE
    return _cached(
        ("stripe", secret, webhook, base),
        lambda: StripeProvider(secret_key=secret, webhook_secret=webhook, api_base=base),
    )


def paypal_provider():
    client_id = _env("CONSONANCE_PAYPAL_CLIENT_ID")
    client_secret = _env("CONSONANCE_PAYPAL_CLIENT_SECRET")
    webhook_id = _env("CONSONANCE_PAYPAL_WEBHOOK_ID")
    if not client_id or not client_secret or not webhook_id:
        return None
    from consonance.payments.providers.paypal import DEFAULT_API_BASE, PayPalProvider

    base = _env("CONSONANCE_PAYPAL_API_BASE") or DEFAULT_API_BASE
    return _cached(
        ("paypal", client_id, client_secret, webhook_id, base),
        lambda: PayPalProvider(
            client_id=client_id,
            client_secret=client_secret,
            webhook_id=webhook_id,
            api_base=base,
            brand_name="Consonance Communication",
        ),
    )


def swish_provider():
    alias, cert, key = (
        _env("CONSONANCE_SWISH_PAYEE_ALIAS"),
        _env("CONSONANCE_SWISH_CERT"),
        _env("CONSONANCE_SWISH_KEY"),
    )
    if not alias or not cert or not key:
        return None
    from consonance.payments.providers.swish import PRODUCTION_BASE_URL, SwishProvider

    ca = _env("CONSONANCE_SWISH_CA") or None
    passphrase = _env("CONSONANCE_SWISH_KEY_PASSPHRASE") or None
    base = _env("CONSONANCE_SWISH_API_BASE") or PRODUCTION_BASE_URL
    return _cached(
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
    """The receiving bankgiro number (a demo number with CONSONANCE_DEBUG), or None."""
    from consonance.payments.bankgiro.services import bankgiro_number as configured

    return configured()


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


def video_meetings() -> VideoMeetings | None:
    account, client_id, secret = (
        _env("CONSONANCE_ZOOM_ACCOUNT_ID"),
        _env("CONSONANCE_ZOOM_CLIENT_ID"),
        _env("CONSONANCE_ZOOM_CLIENT_SECRET"),
    )
    if account and client_id and secret:
        oauth = _env("CONSONANCE_ZOOM_OAUTH_BASE") or "https://zoom.us"
        api = _env("CONSONANCE_ZOOM_API_BASE") or "https://api.zoom.us/v2"
        return _cached(
            ("zoom", account, client_id, secret, oauth, api),
            lambda: ZoomClient(account, client_id, secret, oauth_base=oauth, api_base=api),
        )
    return fixed_video_link()


def fixed_video_link() -> FixedLinkVideo | None:
    link = _env("CONSONANCE_VIDEO_LINK")
    if not link:
        return None
    try:
        return FixedLinkVideo(link)
    except ValueError as error:
        raise ImproperlyConfigured(f"CONSONANCE_VIDEO_LINK: {error}") from error
