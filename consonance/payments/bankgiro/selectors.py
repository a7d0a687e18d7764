"""Reads for the Bankgiro staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext

from consonance.payments.bankgiro.models import BankDeposit, BankPayment, ImportedFile
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


@dataclass(frozen=True)
class DepositSummary:
    """The Bankgiro deposits (TK15) of a period and what their payment records became."""

    deposits: int
    deposited: Decimal  # the deposits' totals: what the bank statement shows
    booked: Decimal  # payments matched to an order (booked through the ledger)
    earlier: Decimal  # payments recorded before, from another file
    unmatched_open: Decimal  # payments without an order, not yet dealt with
    unmatched_open_count: int
    unmatched_resolved: Decimal  # payments without an order she has dealt with by hand
    deductions: Decimal  # TK21 deductions, subtracted from the deposits


def deposits_between(start: date, end: date, currency: str = "SEK") -> DepositSummary:
    """Deposits with a payment date in [start, end), in one currency: two queries."""
    deposits = BankDeposit.objects.filter(
        payment_date__gte=start, payment_date__lt=end, currency=currency
    ).aggregate(total=Sum("amount"), count=Count("pk"))
    matched = (
        BankPayment.State.MATCHED,
        BankPayment.State.PARTIAL,
        BankPayment.State.OVERPAID,
    )
    unmatched = Q(state=BankPayment.State.UNMATCHED)
    found = BankPayment.objects.filter(
        deposit__payment_date__gte=start, deposit__payment_date__lt=end, currency=currency
    ).aggregate(
        booked=Sum("amount", filter=Q(state__in=matched)),
        earlier=Sum("amount", filter=Q(state=BankPayment.State.DUPLICATE)),
        open=Sum("amount", filter=unmatched & Q(resolved_at__isnull=True)),
        open_count=Count("pk", filter=unmatched & Q(resolved_at__isnull=True)),
        resolved=Sum("amount", filter=unmatched & Q(resolved_at__isnull=False)),
        deductions=Sum("amount", filter=Q(state=BankPayment.State.DEDUCTION)),
    )

    def kr(value: Decimal | None) -> Decimal:  # SQLite adds decimals as floating point
        return (value or Decimal(0)).quantize(Decimal("0.01"))

    return DepositSummary(
        deposits=deposits["count"],
        deposited=kr(deposits["total"]),
        booked=kr(found["booked"]),
        earlier=kr(found["earlier"]),
        unmatched_open=kr(found["open"]),
        unmatched_open_count=found["open_count"],
        unmatched_resolved=kr(found["resolved"]),
        deductions=kr(found["deductions"]),
    )
