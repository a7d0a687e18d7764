"""Matching an unmatched Bankgiro payment by hand: the coach names the order it pays.

The payment is recorded on the order through the ledger under the same provider event id the
import gives the record (imports.provider_event_id), so importing the same file again records
nothing twice. A fully paid order confirms its booking through payments.hooks.order_paid.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.payments.bankgiro.models import BankPayment
from consonance.payments.bankgiro.services import PROVIDER
from consonance.payments.ledger import order_record_payment
from consonance.payments.models import Order

STATE_FOR_STATUS: dict[str, str] = {
    Order.Status.PARTIALLY_PAID: BankPayment.State.PARTIAL,
    Order.Status.OVERPAID: BankPayment.State.OVERPAID,
    Order.Status.PAID: BankPayment.State.MATCHED,
}


class MatchRefused(ValueError):
    """No such order, or one that takes no Bankgiro payment; the message is safe to show."""


def bank_event_id(payment: BankPayment) -> str:
    """The record's provider event id, as imports.provider_event_id builds it from the file."""
    deposit = payment.deposit
    return (
        f"bgmax:{deposit.receiving_bankgiro}:{deposit.payment_date:%Y%m%d}:{deposit.serial}:"
        f"{payment.position}:{payment.bgc_serial}"
    )


def bankgiro_payment_match(*, payment_id: int, order_reference: str, actor: str) -> Order:
    """Record an unmatched payment on the order with this reference (or OCR number)."""
    reference = order_reference.strip().upper()
    with transaction.atomic():
        payment = (
            BankPayment.objects.select_for_update(of=("self",))
            .select_related("deposit")
            .get(pk=payment_id)
        )
        if payment.state != BankPayment.State.UNMATCHED or payment.resolved_at is not None:
            raise MatchRefused("already dealt with")
        order = (
            Order.objects.filter(reference=reference).first()
            or Order.objects.filter(ocr_reference=order_reference.strip()).first()
        )
        if order is None:
            raise MatchRefused("no such order")
        if order.currency != payment.currency:
            raise MatchRefused("another currency")
        order, changed = order_record_payment(
            order_id=order.pk,
            amount=payment.amount,
            provider=PROVIDER,
            provider_event_id=bank_event_id(payment),
            actor=actor,
        )
        payment.order = order
        payment.state = STATE_FOR_STATUS.get(order.status, BankPayment.State.MATCHED)
        if not changed:
            payment.state = BankPayment.State.DUPLICATE
        payment.reason = ""
        payment.resolved_at = timezone.now()
        payment.save(update_fields=["order", "state", "reason", "resolved_at"])
        audit_append(
            actor=actor,
            action="bankgiro.payment_matched",
            subject_id=order.person_id,
            category="orders",
            detail={"bank_payment": payment.pk, "order": order.pk},
        )
    return order
