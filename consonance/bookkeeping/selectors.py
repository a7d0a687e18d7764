"""Reads for bookkeeping: vouchers by year and series, the VAT summary, Fortnox status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from consonance.bookkeeping.fiscal import FiscalYear, fiscal_year_for
from consonance.bookkeeping.models import Document, FortnoxPosting, Voucher, VoucherRow


def fiscal_years() -> list[FiscalYear]:
    """Every fiscal year that has vouchers, newest first (the current one always)."""
    starts = set(
        Voucher.objects.exclude(fiscal_year_start=None)
        .values_list("fiscal_year_start", flat=True)
        .distinct()
    )
    years = {fiscal_year_for(start) for start in starts if start is not None}
    years.add(fiscal_year_for(timezone.localdate()))
    return sorted(years, key=lambda y: y.start, reverse=True)


def vouchers_in(year: FiscalYear, series: str = "") -> QuerySet[Voucher]:
    queryset = Voucher.objects.filter(fiscal_year_start=year.start)
    if series:
        queryset = queryset.filter(series=series)
    return queryset.order_by("series", "number")


def series_in(year: FiscalYear) -> list[str]:
    return sorted(
        set(Voucher.objects.filter(fiscal_year_start=year.start).values_list("series", flat=True))
    )


@dataclass
class VatLine:
    label: str
    sales_vat: Decimal  # box 05: sales liable to VAT, net
    sales_exempt: Decimal  # box 42: exempt sales
    output_vat: Decimal  # box 10: output VAT 25 %


def vat_summary(year: FiscalYear) -> tuple[list[VatLine], list[VatLine], VatLine]:
    """Sales and output VAT per month and per quarter (the figures of the VAT return)."""
    accounts = settings.BOOKKEEPING_ACCOUNTS
    wanted = {accounts["sales_vat"], accounts["sales_exempt"], accounts["output_vat"]}
    totals: dict[tuple[int, int], dict[str, Decimal]] = {}
    rows = (
        VoucherRow.objects.filter(voucher__fiscal_year_start=year.start, account__in=wanted)
        .annotate(y=ExtractYear("voucher__date"), m=ExtractMonth("voucher__date"))
        .values("y", "m", "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals.setdefault((row["y"], row["m"]), {})[row["account"]] = -(row["total"] or Decimal(0))

    def line(label: str, keys: list[tuple[int, int]]) -> VatLine:
        def total(acc: str) -> Decimal:
            return sum((totals.get(k, {}).get(acc, Decimal(0)) for k in keys), Decimal(0))

        return VatLine(
            label,
            total(accounts["sales_vat"]),
            total(accounts["sales_exempt"]),
            total(accounts["output_vat"]),
        )

    months: list[tuple[int, int]] = []
    day = year.start
    while day <= year.end:
        months.append((day.year, day.month))
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    monthly = [line(dt.date(y, m, 1).isoformat()[:7], [(y, m)]) for y, m in months]
    quarterly = []
    for q in range(0, len(months), 3):
        chunk = months[q : q + 3]
        quarterly.append(
            line(f"Q{q // 3 + 1} ({chunk[0][0]}-{chunk[0][1]:02d}–{chunk[-1][1]:02d})", chunk)
        )
    return monthly, quarterly, line("total", months)


def fortnox_postings(state: str = "") -> QuerySet[FortnoxPosting]:
    queryset = FortnoxPosting.objects.select_related("voucher").order_by("-voucher__date", "-pk")
    return queryset.filter(state=state) if state else queryset


def fortnox_counts() -> dict[str, int]:
    counts = {state: 0 for state in FortnoxPosting.State.values}
    for row in FortnoxPosting.objects.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def documents_count(year: FiscalYear) -> int:
    """How many invoices and receipts a fiscal year has (the accountant's zip holds them)."""
    return Document.objects.filter(fiscal_year_start=year.start).count()


def person_documents(person_id: int) -> QuerySet[Document]:
    """One person's receipts and invoices, newest first (her account page)."""
    return Document.objects.filter(person_id=person_id).order_by("-issued_on", "-pk")


def person_fortnox_span(person_id: int) -> tuple[dt.datetime, dt.datetime] | None:
    """When vouchers about this person were first and last posted to Fortnox, or None."""
    span = FortnoxPosting.objects.filter(
        voucher__person_id=person_id, state=FortnoxPosting.State.SENT, sent_at__isnull=False
    ).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    return (span["first"], span["last"]) if span["first"] else None
