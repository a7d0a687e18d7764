"""Reads for payments: the order list and refund tasks for the staff pages."""

from __future__ import annotations

from django.db.models import QuerySet

from consonance.payments.models import Order, Refund


def orders_list(*, status: str = "") -> QuerySet[Order]:
    rows = Order.objects.select_related("booking__service").order_by("-created_at", "-pk")
    if status in Order.Status.values:
        rows = rows.filter(status=status)
    return rows


def refund_tasks() -> QuerySet[Refund]:
    """Refunds that need the coach's hand (Bankgiro, or a provider refund that failed)."""
    return (
        Refund.objects.filter(status=Refund.Status.MANUAL)
        .select_related("order")
        .order_by("created_at", "pk")
    )


def refunds_recent() -> QuerySet[Refund]:
    return Refund.objects.exclude(status=Refund.Status.MANUAL).select_related("order")


def person_orders(person_id: int) -> QuerySet[Order]:
    """One person's orders, newest first (her account page)."""
    return Order.objects.filter(person_id=person_id).order_by("-created_at", "-pk")
