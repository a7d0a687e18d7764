"""Recording money on orders: payments and refunds, whichever provider they came through.

Each function is atomic, writes an OrderEvent (kept with the order, P14) and an audit row, and is
idempotent per provider event id: applying the same event twice changes nothing. Money that moves
emits `hooks.payment_recorded` / `hooks.refund_recorded`, and an order that has received its full
amount emits `hooks.order_paid` (the booking app confirms the booking there), all in the same
transaction, so money, booking and bookkeeping never disagree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.payments import hooks
from consonance.payments.models import Order, OrderEvent


def payment_status(order: Order) -> str:
    """The order's status from the money received and returned so far."""
    # A refund may be reported before the payment it returns (providers deliver out of order).
    if order.amount_refunded > 0 and order.amount_refunded >= order.amount_paid:
        return Order.Status.REFUNDED
    if order.amount_paid <= 0:
        return Order.Status.PENDING
    if order.amount_paid < order.amount:
        return Order.Status.PARTIALLY_PAID
    if order.amount_paid > order.amount:
        return Order.Status.OVERPAID
    return Order.Status.PAID


def _event(
    order: Order,
    *,
    kind: str,
    amount: Decimal | None,
    provider: str,
    provider_event_id: str,
    at: datetime | None,
) -> OrderEvent | None:
    """Write the event; None when this provider event was applied before (a replay)."""
    if (
        provider_event_id
        and OrderEvent.objects.filter(
            provider=provider, provider_event_id=provider_event_id
        ).exists()
    ):
        return None
    try:
        with transaction.atomic():
            return OrderEvent.objects.create(
                order=order,
                kind=kind,
                amount=amount,
                provider=provider,
                provider_event_id=provider_event_id,
                at=at or timezone.now(),
            )
    except IntegrityError:  # a concurrent delivery of the same event won the race
        return None


def _entry(order: Order, event: OrderEvent, actor: str) -> hooks.LedgerEntry:
    assert event.amount is not None
    return hooks.LedgerEntry(
        order=order,
        event=event,
        amount=event.amount,
        provider=event.provider,
        at=event.at,
        actor=actor,
    )


def order_record_payment(
    *,
    order_id: int,
    amount: Decimal,
    provider: str,
    provider_event_id: str = "",
    actor: str,
    at: datetime | None = None,
) -> tuple[Order, bool]:
    """Add a payment to an order. Returns the order and whether anything changed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        event = _event(
            order,
            kind="paid",
            amount=amount,
            provider=provider,
            provider_event_id=provider_event_id,
            at=at,
        )
        if event is None:
            return order, False
        # "Fully paid" is about money received, whatever was refunded meanwhile: the handlers
        # decide what a payment whose refund came first means (the booking is then cancelled).
        was_paid = order.amount_paid >= order.amount
        order.amount_paid += amount
        order.status = payment_status(order)
        order.save(update_fields=["amount_paid", "status"])
        audit_append(
            actor=actor,
            action="order.payment_recorded",
            subject_id=order.person_id,
            category="orders",
            detail={"order": order.pk, "status": order.status},
        )
        hooks.payment_recorded.emit(_entry(order, event, actor))
        if not was_paid and order.amount_paid >= order.amount:
            hooks.order_paid.emit(order)
    return order, True


def order_record_refund(
    *,
    order_id: int,
    amount: Decimal,
    provider: str,
    provider_event_id: str = "",
    actor: str,
    at: datetime | None = None,
) -> tuple[Order, bool]:
    """Record money returned to the payer. Returns the order and whether anything changed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        event = _event(
            order,
            kind="refunded",
            amount=amount,
            provider=provider,
            provider_event_id=provider_event_id,
            at=at,
        )
        if event is None:
            return order, False
        order.amount_refunded += amount
        if order.amount_paid > 0:  # before any payment the status waits for the payment
            order.status = payment_status(order)
        order.save(update_fields=["amount_refunded", "status"])
        audit_append(
            actor=actor,
            action="order.refund_recorded",
            subject_id=order.person_id,
            category="orders",
            detail={"order": order.pk, "status": order.status},
        )
        hooks.refund_recorded.emit(_entry(order, event, actor))
    return order, True


def order_record_event(
    *,
    order_id: int,
    kind: str,
    actor: str,
    amount: Decimal | None = None,
    provider: str = "",
    provider_event_id: str = "",
    detail: dict | None = None,
) -> bool:
    """Record a state change that moves no money (created, cancelled, refund requested...).

    One audit row for the change: `detail` adds what the caller knows (e.g. the refund's id), so
    that the caller needs no audit row of its own."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if (
            _event(
                order,
                kind=kind,
                amount=amount,
                provider=provider,
                provider_event_id=provider_event_id,
                at=None,
            )
            is None
        ):
            return False
        audit_append(
            actor=actor,
            action=f"order.{kind}",
            subject_id=order.person_id,
            category="orders",
            detail={"order": order.pk, **(detail or {})},
        )
    return True
