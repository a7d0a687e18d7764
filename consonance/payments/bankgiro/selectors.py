"""Reads for the Bankgiro staff pages."""

from __future__ import annotations

from django.db.models import QuerySet

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
