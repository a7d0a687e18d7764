"""Demo part of bookkeeping: a year of vouchers (payments by every method, refunds, provider
fees, payouts; sales at 25, 12 and 6 % and exempt ones; one correction), receipts and invoices,
so the staff pages, the SIE download, the charts, the VAT return and the reconciliation show
something real. Made through the payments ledger, as a real payment is. Idempotent.

Money held by the providers reaches the bank as it would: Stripe pays out every day what has
cleared (payments after seven days, less fees; refunds leave the balance at once); she withdraws
what PayPal holds of the months before on the 2nd of each month.
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
from consonance.bookkeeping.models import Document, Voucher
from consonance.bookkeeping.services import voucher_correct
from consonance.lib.text import split_full_name
from consonance.lib.time import STOCKHOLM
from consonance.payments import methods
from consonance.payments.demo import charge_fee, payout, published_fee
from consonance.payments.ledger import order_record_payment, order_record_refund
from consonance.payments.models import Order
from consonance.people.models import Person
from consonance.people.services import person_get_or_create

PREFIX = "DEMO-BK-"
NAMES = ("Maja Lind", "Oskar Berg", "Elsa Nyström", "Hugo Sjöberg", "Alva Holm", "Liam Ek")
M = Order.Method
METHODS = (M.CARD, M.SWISH, M.PAYPAL, M.CARD, M.BANKGIRO, M.SWISH)
SERVICES = (
    ("Videokonsultation 50 min", "Video consultation 50 min", Decimal("900.00"), Decimal("25.00")),
    # exempt: therapy (box 42)
    ("E-postkonsultation", "E-mail consultation", Decimal("1500.00"), Decimal("0.00")),
    # books: 6 % (box 12)
    ("Boken Samtal som hjälper", "The book Samtal som hjälper", Decimal("265.00"), Decimal("6.00")),
    # food: 12 % (box 11)
    (
        "Lunch under heldagsworkshop",
        "Lunch at the full-day workshop",
        Decimal("224.00"),
        Decimal("12.00"),
    ),
)


# What a provider's balance did on a day: a payment's net (+) or a refund (-).
Move = tuple[str, dt.date, Decimal]


def _payer(n: int) -> Person:
    """The demo payer of payment `n`, a Person like every payer (issue 19): her orders, vouchers
    and receipts are found, exported and erased by her address."""
    first, last = split_full_name(NAMES[n % len(NAMES)])
    person, _created = person_get_or_create(
        email=f"demo.betalare{n % len(NAMES)}@example.se",
        first_name=first,
        last_name=last,
        actor=SYSTEM,
    )
    return person


def _payment(n: int, day: dt.date, moves: list[Move]) -> None:
    """One demo payment; `moves` collects what it did to the provider's balance."""
    payer = _payer(n)
    method = METHODS[n % len(METHODS)]
    description, description_en, amount, vat = SERVICES[
        1 if n % 5 == 0 else 2 if n % 7 == 3 else 3 if n % 13 == 4 else 0
    ]
    order = Order.objects.create(
        reference=f"{PREFIX}{n:04d}",
        person=payer,
        method=method,
        status=Order.Status.PENDING,
        description=description,
        description_en=description_en,
        amount=amount,
        vat_rate=vat,
        payer_name=NAMES[n % len(NAMES)],
        payer_email=payer.email,
    )
    at = dt.datetime.combine(day, dt.time(10, 15), tzinfo=STOCKHOLM)
    order, _ = order_record_payment(
        order_id=order.pk,
        amount=amount,
        provider=methods.method(method).provider,
        provider_event_id=f"demo-paid-{n}",
        actor=SYSTEM,
        at=at,
    )
    row = methods.method(method)
    provider = row.provider
    if published_fee(provider) is not None:
        fee = charge_fee(order, provider, at, ref=f"demo-fee-{n}")
        moves.append((provider, day, amount - fee))
    if n % 11 == 0:
        order_record_refund(
            order_id=order.pk,
            amount=amount,
            provider=provider if row.starts_payment else "manual",
            provider_event_id=f"demo-refund-{n}",
            actor=SYSTEM,
            at=at + dt.timedelta(days=2),
        )
        if published_fee(provider) is not None:
            moves.append((provider, day + dt.timedelta(days=2), -amount))


def _available(moves: list[Move], provider: str, on: dt.date) -> Decimal:
    """What the provider may have paid out by day `on`: payments once cleared (Stripe's after a
    week, PayPal's of the months before), refunds at once, as they leave the balance."""
    row = methods.of_provider(provider)
    window = row.payout_window if row is not None else None
    # Cleared: a payout window ago, or (what she withdraws) by the end of the month before.
    cleared = on - window if window is not None else on.replace(day=1) - dt.timedelta(days=1)
    return sum(
        (a for p, d, a in moves if p == provider and d <= (cleared if a > 0 else on)),
        Decimal(0),
    )


def _payouts(moves: list[Move], start: dt.date, today: dt.date) -> None:
    """Stripe pays what has cleared out every day; PayPal's she withdraws on the 2nd."""
    for row in methods.providers_holding():
        provider, pays_out = row.provider, row.payout_window is not None
        paid, day = Decimal(0), start
        while day <= today:
            due = (
                _available(moves, provider, day) - paid if pays_out or day.day == 2 else Decimal(0)
            )
            if due > 0:
                ref = f"po_demo_{day:%Y%m%d}" if pays_out else f"uttag:demo-{day:%Y-%m}"
                payout(provider, ref, due, day)
                paid += due
            day += dt.timedelta(days=1)


def _correction() -> None:
    """One voucher reversed by the coach, as the correction button does (idempotent): a Swish
    payment, which goes straight to the bank, so no provider's clearing account is left out of
    balance on the reconciliation page (a card or PayPal one would show there, rightly)."""
    payment = (
        Voucher.objects.filter(order_reference=f"{PREFIX}0001", kind=Voucher.Kind.PAYMENT)
        .order_by("pk")
        .first()
    )
    if payment is not None:
        voucher_correct(
            voucher_id=payment.pk,
            actor=SYSTEM,
            reason="betalningen bokades på fel order",
        )


def load(out) -> None:
    today = timezone.localdate()
    year = fiscal_year_for(today)
    if not Order.objects.filter(reference__startswith=PREFIX).exists():
        with transaction.atomic():
            day, n = year.start, 1
            moves: list[Move] = []
            while day < today:
                _payment(n, day, moves)
                n += 1
                day += dt.timedelta(days=3)
            _payouts(moves, year.start, today)
    _correction()
    receipt = Document.objects.filter(kind="receipt").order_by("pk").first()
    invoice = Document.objects.filter(kind="invoice").order_by("pk").first()
    out.write(
        "Bookkeeping: http://127.0.0.1:8000/staff/bookkeeping/ (vouchers in pages, filters, "
        "a correction; SIE 4 download; the year's receipts and invoices as PDF: "
        f"/staff/bookkeeping/documents/{year.end.year}.zip), /staff/bookkeeping/glance/ (charts), "
        "/staff/bookkeeping/vat/ (the VAT return's boxes, CSV), /staff/bookkeeping/reconciliation/ "
        "(reconciliation per provider and month), /staff/payments/paypal-withdrawal/, "
        "/staff/bookkeeping/fortnox/."
    )
    if receipt is not None:
        out.write(f"A receipt: {document_url(receipt)} (as PDF: {document_url(receipt)}pdf/)")
    if invoice is not None:
        out.write(f"An invoice: {document_url(invoice)} (as PDF: {document_url(invoice)}pdf/)")
