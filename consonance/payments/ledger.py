"""Recording money on orders: payments and refunds, whichever provider they came through.

Each function is atomic, writes an OrderEvent (kept with the order, P14) and an audit row, and is
idempotent per provider event id: applying the same event twice changes nothing. Money that moves
emits `hooks.payment_recorded` / `hooks.refund_recorded`, and an order that has received its full
amount emits `hooks.order_paid` (the booking app confirms the booking there), all in the same
transaction, so money, booking and bookkeeping never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.inserts import insert_new
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


@dataclass(frozen=True)
class PaymentIn:
    """One payment to record in bulk: its order, amount and the provider's id for it."""

    order_id: int
    amount: Decimal
    provider_event_id: str


def orders_record_payments(
    payments: Sequence[PaymentIn],
    *,
    provider: str,
    actor: str,
    audit_detail: dict | None = None,
) -> list[Order | None]:
    """Record many payments at once (a bank file), with the outcome of order_record_payment()
    for each, at a fraction of its cost: the orders are locked in chunks, the events written with
    one bulk insert (the unique constraint still guards replays), the orders updated with one
    prepared statement, and one audit row names the batch. One `payments_recorded` for the
    batch stands for each payment's `payment_recorded` and for `order_paid` of the orders it paid
    in full.

    Returns, per payment, its order after recording, or None when the event was recorded before.
    Must run inside the caller's transaction.
    """
    orders = _lock_orders(sorted({p.order_id for p in payments}))
    recorded = recorded_event_ids(provider, [p.provider_event_id for p in payments])
    was_paid = {pk: order.amount_paid >= order.amount for pk, order in orders.items()}
    now = timezone.now()
    events: list[OrderEvent] = []
    outcome: list[Order | None] = []
    for payment in payments:
        order = orders[payment.order_id]
        if payment.provider_event_id in recorded:
            outcome.append(None)
            continue
        recorded.add(payment.provider_event_id)
        order.amount_paid += payment.amount
        order.status = payment_status(order)
        outcome.append(_snapshot(order))
        events.append(
            OrderEvent(
                order_id=order.pk,
                kind="paid",
                amount=payment.amount,
                provider=provider,
                provider_event_id=payment.provider_event_id,
                at=now,
            )
        )
    insert_new(events)  # the statement built once (lib.inserts), not per batch as bulk_create does
    touched = sorted({event.order_id for event in events})
    _update_orders([orders[pk] for pk in touched])
    _audit_batch(actor, audit_detail, events, touched, outcome)
    entries = [_entry(orders[event.order_id], event, actor) for event in events]
    paid = [
        orders[pk]
        for pk in touched
        if not was_paid[pk] and orders[pk].amount_paid >= orders[pk].amount
    ]
    # One hook for the batch, in place of payment_recorded and order_paid for each.
    hooks.payments_recorded.emit(hooks.PaymentsRecorded(entries=entries, paid=paid))
    return outcome


def _audit_batch(
    actor: str,
    detail: dict | None,
    events: list[OrderEvent],
    touched: list[int],
    outcome: list[Order | None],
) -> None:
    """One audit row for the batch: the orders touched and how they stand."""
    states = [order.status for order in outcome if order is not None]
    audit_append(
        actor=actor,
        action="order.payments_recorded",
        category="orders",
        detail={
            **(detail or {}),
            "payments": len(events),
            "orders": touched,
            "paid": states.count(Order.Status.PAID),
            "partial": states.count(Order.Status.PARTIALLY_PAID),
            "overpaid": states.count(Order.Status.OVERPAID),
        },
    )


def _lock_orders(order_ids: list[int]) -> dict[int, Order]:
    """Lock the orders in chunks, in primary-key order (two imports never deadlock)."""
    orders: dict[int, Order] = {}
    for start in range(0, len(order_ids), 1000):
        chunk = order_ids[start : start + 1000]
        orders.update(
            (order.pk, order)
            for order in Order.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        )
    return orders


def _snapshot(order: Order) -> Order:
    """The order as it stands after this payment (later payments in the batch change it on)."""
    copy = Order(pk=order.pk, amount=order.amount, currency=order.currency)
    copy.amount_paid, copy.amount_refunded, copy.status = (
        order.amount_paid,
        order.amount_refunded,
        order.status,
    )
    return copy


def recorded_event_ids(provider: str, event_ids: list[str]) -> set[str]:
    """Which of these provider event ids the ledger has applied already."""
    found: set[str] = set()
    for start in range(0, len(event_ids), 1000):
        found.update(
            OrderEvent.objects.filter(
                provider=provider, provider_event_id__in=event_ids[start : start + 1000]
            ).values_list("provider_event_id", flat=True)
        )
    return found


def _update_orders(orders: list[Order]) -> None:
    """Save amount_paid and status of many orders: one prepared UPDATE run with executemany
    (bulk_update's CASE expressions cost more than the database work here)."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Order._meta.db_table)} SET {quote('amount_paid')} = %s, "  # noqa: S608
        f"{quote('status')} = %s WHERE {quote('id')} = %s"
    )
    field = Order._meta.get_field("amount_paid")
    rows = [
        (field.get_db_prep_save(order.amount_paid, connection), str(order.status), order.pk)
        for order in orders
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


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
