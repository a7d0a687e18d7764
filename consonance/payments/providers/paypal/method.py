"""PayPal (Orders v2): the row of the table of methods, its settings reader and its quirk: an
approved order is captured by us, when the payer comes back or the webhook says so."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consonance.payments.methods import PaymentMethod
from consonance.payments.models import Order
from consonance.payments.providers.base import ProviderError, ProviderEvent
from consonance.payments.providers.config import cached, hosted_origins
from consonance.payments.providers.paypal.adapter import PayPalProvider
from consonance.payments.services import payment_apply_event

log = logging.getLogger(__name__)

NAME = "paypal"
DEFAULT_BASE = "https://api-m.paypal.com"


def build() -> PayPalProvider | None:
    client_id = settings.PAYPAL_CLIENT_ID.strip()
    client_secret = settings.PAYPAL_CLIENT_SECRET.strip()
    webhook_id = settings.PAYPAL_WEBHOOK_ID.strip()
    if not client_id or not client_secret or not webhook_id:
        return None
    base = settings.PAYPAL_API_BASE
    return cached(
        (NAME, client_id, client_secret, webhook_id, base),
        lambda: PayPalProvider(
            client_id=client_id,
            client_secret=client_secret,
            webhook_id=webhook_id,
            api_base=base,
            brand_name="Consonance Communication",
        ),
    )


def checkout_origins() -> list[str]:
    if build() is None:
        return []
    hosted = ["https://www.paypal.com", "https://www.sandbox.paypal.com"]
    return hosted_origins(settings.PAYPAL_API_BASE, DEFAULT_BASE, hosted)


def paypal_capture(order_id: int) -> str:
    """Capture an approved PayPal order (return page or webhook) and apply the outcome."""
    order = Order.objects.get(pk=order_id)
    provider = build()
    if provider is None:
        raise ProviderError("paypal is not configured")
    event = provider.capture(order.provider_ref)
    return payment_apply_event(provider=NAME, event=event)


def on_event(event: ProviderEvent) -> str | None:
    """PayPal says the payer approved an order (CHECKOUT.ORDER.APPROVED): capture it, once."""
    if event.kind != "pending" or event.extra.get("next_action") != "capture":
        return None
    order = Order.objects.filter(method=METHOD.value, provider_ref=event.provider_ref).first()
    if order is None or order.amount_paid != 0:
        return "pending"
    try:
        return paypal_capture(order.pk)
    except ValueError as error:
        log.warning("PayPal capture from webhook failed for order %s", order.pk)
        raise ProviderError("capture failed") from error


METHOD = PaymentMethod(
    value="paypal",
    provider=NAME,
    label=_("PayPal"),
    display_name="PayPal",
    position=30,
    holder="paypal",
    document="receipt",
    return_view="payments-return-paypal",
    recipient=NAME,
    payout_label="Uttag",
    fee=(Decimal("0.034"), Decimal("3.25")),  # its standard price in Sweden: 3.40 % + 3.25 kr
    settings=(
        (
            "`CONSONANCE_PAYPAL_CLIENT_ID`, `_CLIENT_SECRET`, `_WEBHOOK_ID`",
            "PayPal (Orders v2); webhook endpoint `/payments/webhooks/paypal/`",
        ),
        (
            "`CONSONANCE_PAYPAL_API_BASE`",
            "default `https://api-m.paypal.com` (sandbox: `https://api-m.sandbox.paypal.com`)",
        ),
    ),
    build=build,
    checkout_origins=checkout_origins,
    on_event=on_event,
    on_return=paypal_capture,
)
