"""Bankgiro invoices with OCR references, and the coach's handling of unmatched payments.

Invoices: `bankgiro_invoice_create()` gives a Bankgiro order its OCR reference and due date;
`bankgiro_payment_instructions()` says what the payer must do (for the booking e-mail and page).
The import of BgMax payment files is in `imports.py`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.ocr import ocr_make
from consonance.payments import hooks
from consonance.payments.bankgiro.models import BankPayment
from consonance.payments.ledger import order_record_event
from consonance.payments.models import Order
from consonance.payments.providers.config import bankgiro_number

PROVIDER = "bankgiro"
OCR_BASE_WIDTH = 5  # order 42 -> base "00042" -> a 7-digit OCR reference


def _ocr_for(order_id: int) -> str:
    # Built from the primary key, so it is unique without a lookup; the length digit and the
    # Luhn check digit let the payer's bank refuse a mistyped number.
    return ocr_make(f"{order_id:0{OCR_BASE_WIDTH}d}", length_digit=True)


def bankgiro_invoice_create(*, order_id: int, actor: str, due_by: date | None = None) -> Order:
    """Give a Bankgiro order its OCR reference and due date (today + CONSONANCE_BANKGIRO_DUE_DAYS).

    Idempotent: an order that already has an OCR reference is returned unchanged. Raises
    ValueError for an order that is not a pending Bankgiro order.
    """
    due_days = settings.BANKGIRO_DUE_DAYS
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.ocr_reference:
            return order
        if order.method != Order.Method.BANKGIRO:
            raise ValueError(f"order {order.pk} is not a Bankgiro order")
        if order.status != Order.Status.PENDING:
            raise ValueError(f"order {order.pk} is {order.status}, not pending")
        order.ocr_reference = _ocr_for(order.pk)
        order.due_date = timezone.localdate() + timedelta(days=due_days)
        if due_by is not None and due_by < order.due_date:
            order.due_date = due_by  # e.g. two days before the session (booking)
        order.save(update_fields=["ocr_reference", "due_date"])
        # The order event is the audited record of the invoice (P14): "order.invoiced".
        order_record_event(
            order_id=order.pk,
            kind="invoiced",
            actor=actor,
            amount=order.amount,
            provider=PROVIDER,
            provider_event_id=f"invoice:{order.pk}",
        )
        hooks.order_invoiced.emit(order)
    return order


def bankgiro_payment_instructions(order: Order) -> dict:
    """What the payer needs: where to pay, how much, with which OCR number and by when.

    Keys: bankgiro ("5050-1055"), ocr_reference, amount (Decimal still to pay), currency,
    due_date (date), order_reference. Raises ValueError if the order has no OCR reference and
    ImproperlyConfigured if no receiving bankgiro number is configured.
    """
    if not order.ocr_reference:
        raise ValueError(f"order {order.pk} has no OCR reference; call bankgiro_invoice_create")
    number = bankgiro_number()
    if number is None:
        raise ImproperlyConfigured("CONSONANCE_BANKGIRO_NUMBER is not set.")
    return {
        "bankgiro": number,
        "ocr_reference": order.ocr_reference,
        "amount": max(order.amount - order.amount_paid, Decimal("0.00")),
        "currency": order.currency,
        "due_date": order.due_date,
        "order_reference": order.reference,
    }


def bankgiro_payment_resolve(*, payment_id: int, actor: str) -> BankPayment:
    """The coach marks an unmatched payment as dealt with (refunded or handled by hand)."""
    with transaction.atomic():
        payment = BankPayment.objects.select_for_update().get(
            pk=payment_id, state=BankPayment.State.UNMATCHED
        )
        if payment.resolved_at is None:
            payment.resolved_at = timezone.now()
            payment.save(update_fields=["resolved_at"])
            audit_append(
                actor=actor,
                action="bankgiro.payment_resolved",
                category="orders",
                detail={"bank_payment": payment.pk},
            )
    return payment
