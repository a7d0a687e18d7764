"""Reads for payments: the order list and refund tasks for the staff pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import segno
from django.db.models import Count, QuerySet, Sum

from consonance.payments.models import FeeFetch, Order, OrderEvent, Payout, Refund
from consonance.payments.providers.swish.adapter import app_switch_url
from consonance.people.selectors import person_address, person_addresses


def orders_list(*, status: str = "") -> QuerySet[Order]:
    rows = Order.objects.select_related("booking__service").order_by("-created_at", "-pk")
    if status in Order.Status.values:
        rows = rows.filter(status=status)
    return rows


def payer_address(order: Order) -> str:
    """Where mail about this order goes: the payer's current confirmed address (she may have
    changed it since she paid), the address copied on the order only when no person is linked."""
    return person_address(order.person_id) or order.payer_email


def with_payer_addresses(orders: Iterable[Order]) -> None:
    """Give each order its `to_address` (payer_address) for a staff list, in one query."""
    orders = list(orders)
    current = person_addresses(o.person_id for o in orders)
    for order in orders:
        order.to_address = current.get(order.person_id or 0) or order.payer_email  # type: ignore[attr-defined]


OPEN_REFUNDS = (Refund.Status.REQUESTED, Refund.Status.PENDING, Refund.Status.MANUAL)


def order_refundable(order: Order) -> Decimal:
    """What may still be refunded: paid, less refunded, less refunds on their way."""
    on_the_way = Refund.objects.filter(order_id=order.pk, status__in=OPEN_REFUNDS).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    return max(Decimal(0), order.amount_paid - order.amount_refunded - on_the_way)


def refund_tasks() -> QuerySet[Refund]:
    """Refunds that need the coach's hand (Bankgiro, or a provider refund that failed)."""
    return (
        Refund.objects.filter(status=Refund.Status.MANUAL)
        .select_related("order", "account")
        .order_by("created_at", "pk")
    )


def refunds_recent() -> QuerySet[Refund]:
    return Refund.objects.exclude(status=Refund.Status.MANUAL).select_related("order")


@dataclass(frozen=True)
class SwishPrompt:
    qr_svg: str  # inline SVG for a payer on another device
    app_link: str  # opens the Swish app on this phone and comes back to return_url


def swish_prompt(*, token: str, return_url: str) -> SwishPrompt:
    """How the payer opens a Swish m-commerce payment request: a QR code holding "D" + the
    payment request token, or the app-switch link on the same phone."""
    return SwishPrompt(
        qr_svg=segno.make("D" + token, error="m").svg_inline(scale=4, title="Swish"),
        app_link=app_switch_url(token, return_url),
    )


def person_orders(person_id: int) -> QuerySet[Order]:
    """One person's orders, newest first (her account page)."""
    return Order.objects.filter(person_id=person_id).order_by("-created_at", "-pk")


def paid_total(provider: str, start: datetime, end: datetime) -> tuple[Decimal, int]:
    """What the order ledger recorded as paid through `provider` in [start, end): sum, count."""
    found = OrderEvent.objects.filter(
        provider=provider, kind="paid", at__gte=start, at__lt=end
    ).aggregate(total=Sum("amount"), count=Count("pk"))
    return (found["total"] or Decimal(0)).quantize(Decimal("0.01")), found["count"]


def payouts_total(provider: str, start: date, end: date) -> tuple[Decimal, int]:
    """What reached the bank from `provider` (payouts, withdrawals) with arrival in [start, end)."""
    found = Payout.objects.filter(
        provider=provider, arrived_on__gte=start, arrived_on__lt=end
    ).aggregate(total=Sum("amount"), count=Count("pk"))
    return (found["total"] or Decimal(0)).quantize(Decimal("0.01")), found["count"]


def fees_waiting(order_ids: list[int]) -> set[int]:
    """Which of these orders still wait for their Stripe fee to be read."""
    return set(
        FeeFetch.objects.filter(order_id__in=order_ids, done_at__isnull=True).values_list(
            "order_id", flat=True
        )
    )
