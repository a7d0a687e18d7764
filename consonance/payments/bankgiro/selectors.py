"""Reads for the Bankgiro staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext

from consonance.payments.bankgiro.models import BankPayment, ImportedFile
from consonance.payments.models import Order


def imports_recent(limit: int = 20) -> list[ImportedFile]:
    return list(ImportedFile.objects.order_by("-imported_at", "-pk")[:limit])


def payments_unmatched_open(limit: int = 200) -> QuerySet[BankPayment]:
    """Unmatched money the coach has not yet marked as dealt with, oldest first."""
    return BankPayment.objects.filter(
        state=BankPayment.State.UNMATCHED, resolved_at__isnull=True
    ).order_by("payment_date", "pk")[:limit]


def payments_of_file(imported: ImportedFile, limit: int = 1000) -> QuerySet[BankPayment]:
    """A file's payment records in file order (the first ``limit``)."""
    return (
        BankPayment.objects.filter(imported_file=imported)
        .select_related("order", "deposit")
        .order_by("line")[:limit]
    )


def open_invoices_count() -> int:
    return Order.objects.filter(
        method=Order.Method.BANKGIRO,
        ocr_reference__isnull=False,
        status__in=(Order.Status.PENDING, Order.Status.PARTIALLY_PAID),
    ).count()


@dataclass(frozen=True)
class OpenInvoices:
    """Unpaid Bankgiro invoices by how late they are: what is still to come in."""

    label: str
    count: int
    outstanding: Decimal


def open_invoices_by_age(today: date) -> list[OpenInvoices]:
    """Open invoices in four groups: not yet due, 1-30, 31-60 and more than 60 days past due."""
    groups = [
        (gettext("inte förfallna"), None, None),
        (gettext("1–30 dagar"), 1, 30),
        (gettext("31–60 dagar"), 31, 60),
        (gettext("över 60 dagar"), 61, None),
    ]
    counts = dict.fromkeys((label for label, _low, _high in groups), 0)
    sums = dict.fromkeys(counts, Decimal(0))
    rows = Order.objects.filter(
        method=Order.Method.BANKGIRO,
        ocr_reference__isnull=False,
        status__in=(Order.Status.PENDING, Order.Status.PARTIALLY_PAID),
    ).values_list("due_date", "amount", "amount_paid")
    for due_date, amount, paid in rows:
        late = (today - due_date).days if due_date else 0
        for label, low, high in groups:
            if (low is None and late < 1) or (
                low is not None and late >= low and (high is None or late <= high)
            ):
                counts[label] += 1
                sums[label] += amount - paid
                break
    return [OpenInvoices(label, counts[label], sums[label]) for label in counts]
