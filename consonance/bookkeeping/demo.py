"""Demo part of bookkeeping: a year of vouchers (payments by every method, refunds, provider
fees, payouts), receipts and invoices, so the staff pages, the SIE download, the VAT summary and
the reconciliation show something real. Made through the payments ledger, as a real payment is.
Idempotent.

Money held by the providers reaches the bank as it would: Stripe pays each day's takings (less
fees and refunds) out seven days later; PayPal's balance she withdraws on the 2nd of each month.
So every closed month reconciles to zero once its payouts have arrived, and only the last week
(Stripe) and the current month (PayPal) are still on their way.

The booking demo's orders (which may run later in app order) add their own vouchers, receipts
and the Bankgiro invoice through the same hooks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.documents import document_url
from consonance.bookkeeping.fiscal import fiscal_year_for
from consonance.bookkeeping.models import Document
from consonance.lib.time import STOCKHOLM
from consonance.payments.demo import FEES, fee_for, payout_day
from consonance.payments.ledger import order_record_payment, order_record_refund
from consonance.payments.models import Order
from consonance.payments.payouts import fee_record, payout_record

PREFIX = "DEMO-BK-"
NAMES = ("Maja Lind", "Oskar Berg", "Elsa Nyström", "Hugo Sjöberg", "Alva Holm", "Liam Ek")
METHODS = ("card", "swish", "paypal", "card", "bankgiro", "swish")
PROVIDER = {"card": "stripe", "paypal": "paypal", "swish": "swish", "bankgiro": "bankgiro"}
SERVICES = (
    ("Videokonsultation 50 min", Decimal("900.00"), Decimal("25.00")),
    ("E-postkonsultation", Decimal("1500.00"), Decimal("0.00")),
)


def _payment(n: int, day: dt.date, held: dict[tuple[str, dt.date], Decimal]) -> None:
    """One demo payment; `held` adds up, per provider and day, what the provider keeps for her."""
    method = METHODS[n % len(METHODS)]
    description, amount, vat = SERVICES[1 if n % 5 == 0 else 0]
    order = Order.objects.create(
        reference=f"{PREFIX}{n:04d}",
        method=method,
        status=Order.Status.PENDING,
        description=description,
        amount=amount,
        vat_rate=vat,
        payer_name=NAMES[n % len(NAMES)],
        payer_email=f"demo.betalare{n % len(NAMES)}@example.se",
    )
    at = dt.datetime.combine(day, dt.time(10, 15), tzinfo=STOCKHOLM)
    order, _ = order_record_payment(
        order_id=order.pk,
        amount=amount,
        provider=PROVIDER[method],
        provider_event_id=f"demo-paid-{n}",
        actor=SYSTEM,
        at=at,
    )
    provider = PROVIDER[method]
    if provider in FEES:
        fee = fee_for(provider, amount)
        fee_record(
            order=order,
            amount=fee,
            currency="SEK",
            provider=provider,
            fee_ref=f"demo-fee-{n}",
            at=at,
        )
        held[provider, day] = held.get((provider, day), Decimal(0)) + amount - fee
    if n % 11 == 0:
        order_record_refund(
            order_id=order.pk,
            amount=amount,
            provider=PROVIDER[method] if method != "bankgiro" else "manual",
            provider_event_id=f"demo-refund-{n}",
            actor=SYSTEM,
            at=at + dt.timedelta(days=2),
        )
        if provider in FEES:
            later = day + dt.timedelta(days=2)
            held[provider, later] = held.get((provider, later), Decimal(0)) - amount


def _payouts(held: dict[tuple[str, dt.date], Decimal], today: dt.date) -> None:
    """Stripe pays each day's net out a week later; PayPal's month is withdrawn on the 2nd of the
    next. A day that nets below zero (a refund) is taken from the next payout."""
    carried = Decimal(0)
    for (provider, day), net in sorted(held.items()):
        if provider != "stripe":
            continue
        carried += net
        if carried > 0 and payout_day("stripe", day) <= today:
            _payout("stripe", f"po_demo_{day:%Y%m%d}", carried, payout_day("stripe", day))
            carried = Decimal(0)
    months: dict[dt.date, Decimal] = {}
    for (provider, day), net in held.items():
        if provider == "paypal":
            first = day.replace(day=1)
            months[first] = months.get(first, Decimal(0)) + net
    carried = Decimal(0)
    for first, net in sorted(months.items()):
        carried += net
        arrives = payout_day("paypal", first)
        if carried > 0 and arrives <= today:
            _payout("paypal", f"uttag:demo-{first:%Y-%m}", carried, arrives)
            carried = Decimal(0)


def _payout(provider: str, ref: str, amount: Decimal, arrived_on: dt.date) -> None:
    payout_record(
        provider=provider,
        provider_ref=ref,
        amount=amount,
        currency="SEK",
        arrived_on=arrived_on,
        actor=SYSTEM,
    )


def load(out) -> None:
    today = timezone.localdate()
    year = fiscal_year_for(today)
    if not Order.objects.filter(reference__startswith=PREFIX).exists():
        with transaction.atomic():
            day, n = year.start, 1
            held: dict[tuple[str, dt.date], Decimal] = {}
            while day < today:
                _payment(n, day, held)
                n += 1
                day += dt.timedelta(days=3)
            _payouts(held, today)
    receipt = Document.objects.filter(kind="receipt").order_by("pk").first()
    invoice = Document.objects.filter(kind="invoice").order_by("pk").first()
    out.write(
        "Bookkeeping: http://127.0.0.1:8000/staff/bookkeeping/ (vouchers, SIE 4 download), "
        "/staff/bookkeeping/moms/ (VAT summary), /staff/bookkeeping/avstamning/ (reconciliation "
        "per provider and month), /staff/payments/paypal-uttag/, /staff/bookkeeping/fortnox/."
    )
    if receipt is not None:
        out.write(f"A receipt: {document_url(receipt)}")
    if invoice is not None:
        out.write(f"An invoice: {document_url(invoice)}")
