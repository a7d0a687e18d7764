"""Demo part of bookkeeping: a year of vouchers (payments by every method, refunds, provider
fees; sales at 25, 12 and 6 % and exempt ones; one correction), receipts and invoices, so the
staff pages, the SIE download, the charts and the VAT return show something real. Made through the payments ledger, as a real payment is. Idempotent.

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
from consonance.lib.time import STOCKHOLM
from consonance.payments import hooks
from consonance.payments.ledger import order_record_payment, order_record_refund
from consonance.payments.models import Order

PREFIX = "DEMO-BK-"
NAMES = ("Maja Lind", "Oskar Berg", "Elsa Nyström", "Hugo Sjöberg", "Alva Holm", "Liam Ek")
METHODS = ("card", "swish", "paypal", "card", "bankgiro", "swish")
PROVIDER = {"card": "stripe", "paypal": "paypal", "swish": "swish", "bankgiro": "bankgiro"}
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


def _payment(n: int, day: dt.date) -> None:
    method = METHODS[n % len(METHODS)]
    description, description_en, amount, vat = SERVICES[
        1 if n % 5 == 0 else 2 if n % 7 == 3 else 3 if n % 13 == 4 else 0
    ]
    order = Order.objects.create(
        reference=f"{PREFIX}{n:04d}",
        method=method,
        status=Order.Status.PENDING,
        description=description,
        description_en=description_en,
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
    if method in ("card", "paypal"):
        fee = (amount * Decimal("0.029") + Decimal("1.80")).quantize(Decimal("0.01"))
        hooks.fee_recorded.emit(
            hooks.ProviderFee(
                order=order,
                amount=fee,
                currency="SEK",
                provider=PROVIDER[method],
                fee_ref=f"demo-fee-{n}",
                at=at,
            )
        )
    if n % 11 == 0:
        order_record_refund(
            order_id=order.pk,
            amount=amount,
            provider=PROVIDER[method] if method != "bankgiro" else "manual",
            provider_event_id=f"demo-refund-{n}",
            actor=SYSTEM,
            at=at + dt.timedelta(days=2),
        )


def _correction() -> None:
    """One voucher reversed by the coach, as the correction button does (idempotent)."""
    payment = (
        Voucher.objects.filter(order_reference=f"{PREFIX}0002", kind=Voucher.Kind.PAYMENT)
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
            while day < today:
                _payment(n, day)
                n += 1
                day += dt.timedelta(days=3)
    _correction()
    receipt = Document.objects.filter(kind="receipt").order_by("pk").first()
    invoice = Document.objects.filter(kind="invoice").order_by("pk").first()
    out.write(
        "Bookkeeping: http://127.0.0.1:8000/staff/bookkeeping/ (vouchers in pages, filters, "
        "a correction; SIE 4 download; the year's receipts and invoices as PDF: "
        f"/staff/bookkeeping/dokument/{year.end.year}.zip), /staff/bookkeeping/siffror/ (charts), "
        "/staff/bookkeeping/moms/ (the VAT return's boxes, CSV), /staff/bookkeeping/fortnox/."
    )
    if receipt is not None:
        out.write(f"A receipt: {document_url(receipt)} (as PDF: {document_url(receipt)}pdf/)")
    if invoice is not None:
        out.write(f"An invoice: {document_url(invoice)} (as PDF: {document_url(invoice)}pdf/)")
