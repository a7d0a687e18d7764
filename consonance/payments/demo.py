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
from consonance.payments import ledger, methods, payouts
from consonance.payments.models import Order


def published_fee(provider: str) -> tuple[Decimal, Decimal] | None:
    """The provider's published price (share, fixed kronor), from the table of methods."""
    row = methods.of_provider(provider)
    return row.fee if row is not None else None


def fee_for(provider: str, amount: Decimal) -> Decimal:
    share, fixed = published_fee(provider) or (Decimal(0), Decimal(0))
    return (amount * share + fixed).quantize(Decimal("0.01"))


def payout_day(provider: str, paid_on: dt.date) -> dt.date:
    """A provider that pays out (Stripe) does so its payout window later; what one holds until
    she withdraws it (PayPal) she withdraws on the 2nd of the next month."""
    row = methods.of_provider(provider)
    if row is not None and row.payout_window is not None:
        return paid_on + row.payout_window
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
    if published_fee(provider) is None:
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
