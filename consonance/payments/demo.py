"""Demo part of payments: nothing of its own, and how the demo's card and PayPal payments are
settled (`provider_settles`).

Every demo order belongs to a booking, so consonance/booking/demo.py (which runs after this app)
creates the orders with their events, the billing details, the Bankgiro invoice and the refund
task.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.lib.time import local_date
from consonance.payments import ledger, payouts
from consonance.payments.models import Order

# The providers' standard prices in Sweden: Stripe 1.5 % + 1.80 kr, PayPal 3.40 % + 3.25 kr.
FEES = {
    "stripe": (Decimal("0.015"), Decimal("1.80")),
    "paypal": (Decimal("0.034"), Decimal("3.25")),
}
STRIPE_DELAY = dt.timedelta(days=7)


def fee_for(provider: str, amount: Decimal) -> Decimal:
    share, fixed = FEES[provider]
    return (amount * share + fixed).quantize(Decimal("0.01"))


def payout_day(provider: str, paid_on: dt.date) -> dt.date:
    """Stripe pays a day's takings out a week later; she withdraws PayPal's on the 2nd of the
    next month."""
    if provider == "stripe":
        return paid_on + STRIPE_DELAY
    return (paid_on.replace(day=1) + dt.timedelta(days=32)).replace(day=2)


def paid(order: Order, provider: str, *, at: dt.datetime | None, event_id: str) -> None:
    """A demo order paid in full through the ledger, and settled by its provider."""
    ledger.order_record_payment(
        order_id=order.pk,
        amount=order.amount,
        provider=provider,
        provider_event_id=event_id,
        actor=SYSTEM,
        at=at,
    )
    provider_settles(order, provider, at or timezone.now())


def charge_fee(order: Order, provider: str, at: dt.datetime, *, ref: str) -> Decimal:
    """The provider's fee on a demo payment, booked; returns it."""
    fee = fee_for(provider, order.amount)
    payouts.fee_record(
        order=order, amount=fee, currency="SEK", provider=provider, fee_ref=ref, at=at
    )
    return fee


def provider_settles(order: Order, provider: str, at: dt.datetime) -> None:
    """A demo card or PayPal payment's fee and, once due, its payout (one per payment)."""
    if provider not in FEES:
        return
    fee = charge_fee(order, provider, at, ref=f"demo-fee:{order.reference}")
    arrives = payout_day(provider, local_date(at))
    if arrives <= timezone.localdate():
        payout(provider, f"demo:{order.reference}", order.amount - fee, arrives)


def payout(provider: str, ref: str, amount: Decimal, arrived_on: dt.date) -> None:
    """Money the provider moved to the bank (a Stripe payout, a PayPal withdrawal)."""
    payouts.payout_record(
        provider=provider,
        provider_ref=ref,
        amount=amount,
        currency="SEK",
        arrived_on=arrived_on,
        actor=SYSTEM,
    )


def load(out) -> None:
    return None
