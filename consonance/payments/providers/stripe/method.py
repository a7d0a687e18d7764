"""Card payments through Stripe Checkout: the row of the table of methods, its settings reader
and its quirks (the return URL's session placeholder, the running refund total, the fee read
after the payment)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consonance.payments import payouts
from consonance.payments.methods import PaymentMethod
from consonance.payments.models import Order
from consonance.payments.providers.base import ProviderEvent
from consonance.payments.providers.config import cached, hosted_origins
from consonance.payments.providers.stripe.adapter import StripeProvider

NAME = "stripe"
DEFAULT_BASE = "https://api.stripe.com"


def build() -> StripeProvider | None:
    secret, webhook = settings.STRIPE_SECRET_KEY.strip(), settings.STRIPE_WEBHOOK_SECRET.strip()
    if not secret or not webhook:
        return None
    base = settings.STRIPE_API_BASE
    return cached(
        (NAME, secret, webhook, base),
        lambda: StripeProvider(secret_key=secret, webhook_secret=webhook, api_base=base),
    )


def checkout_origins() -> list[str]:
    if build() is None:
        return []
    return hosted_origins(settings.STRIPE_API_BASE, DEFAULT_BASE, ["https://checkout.stripe.com"])


def start_options(order: Order, return_url: str) -> dict[str, Any]:
    # Stripe puts its session id where the placeholder stands.
    return {"return_url": return_url + "?session_id={CHECKOUT_SESSION_ID}"}


def refunded_amount(order: Order, event: ProviderEvent) -> Decimal | None:
    if "refunded_total" in event.extra:
        # charge.refunded carries the total refunded on the charge so far.
        return Decimal(event.extra["refunded_total"]) - order.amount_refunded
    return event.amount


def on_paid(order: Order, payment_ref: str) -> None:
    # Checkout's events carry no fee: read it from the balance transaction after commit.
    payouts.stripe_fee_queue(order=order, payment_ref=payment_ref)


METHOD = PaymentMethod(
    value="card",
    provider=NAME,
    label=_("Kort (Stripe)"),
    display_name="Stripe",
    position=10,
    holder="card",
    document="receipt",
    return_view="payments-return",
    recipient=NAME,
    payout_window=timedelta(days=7),  # it pays each day's cleared payments out a week later
    payout_label="Utbetalning",
    fee=(Decimal("0.015"), Decimal("1.80")),  # its standard price in Sweden: 1.5 % + 1.80 kr
    settings=(
        (
            "`CONSONANCE_STRIPE_SECRET_KEY`, `CONSONANCE_STRIPE_WEBHOOK_SECRET`",
            "card payments (Stripe Checkout); webhook endpoint `/payments/webhooks/stripe/`",
        ),
        ("`CONSONANCE_STRIPE_API_BASE`", "default `https://api.stripe.com`"),
    ),
    build=build,
    checkout_origins=checkout_origins,
    start_options=start_options,
    refunded_amount=refunded_amount,
    on_paid=on_paid,
)
