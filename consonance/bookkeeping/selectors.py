"""Reads for bookkeeping: vouchers by year and series, Fortnox status (the VAT return: vat.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from consonance.bookkeeping.fiscal import FiscalYear, fiscal_year_for
from consonance.bookkeeping.models import Document, FortnoxPosting, Voucher, VoucherRow


def fiscal_years() -> list[FiscalYear]:
    """Every fiscal year that has vouchers, newest first (the current one always)."""
    # order_by(): the model's ordering would join DISTINCT (one row per voucher, not per year).
    starts = set(
        Voucher.objects.exclude(fiscal_year_start=None)
        .order_by()
        .values_list("fiscal_year_start", flat=True)
        .distinct()
    )
    years = {fiscal_year_for(start) for start in starts if start is not None}
    years.add(fiscal_year_for(timezone.localdate()))
    return sorted(years, key=lambda y: y.start, reverse=True)


def vouchers_in(
    year: FiscalYear, series: str = "", month: int | None = None, account: str = ""
) -> QuerySet[Voucher]:
    """A fiscal year's vouchers, optionally of one series, dated in one month (1-12), or with a
    row on one account; in the order of their numbers."""
    queryset = Voucher.objects.filter(fiscal_year_start=year.start)
    if series:
        queryset = queryset.filter(series=series)
    if month:
        queryset = queryset.filter(date__month=month)
    if account:
        queryset = queryset.filter(
            pk__in=VoucherRow.objects.filter(account=account).values("voucher_id")
        )
    return queryset.order_by("series", "number")


def accounts_in(year: FiscalYear) -> list[str]:
    """The accounts that the vouchers of a fiscal year book on."""
    return sorted(
        set(
            VoucherRow.objects.filter(voucher__fiscal_year_start=year.start)
            .order_by()  # as in fiscal_years: one row per account, not per voucher row
            .values_list("account", flat=True)
            .distinct()
        )
    )


def months_in(year: FiscalYear) -> list[dt.date]:
    """The first day of each month of a fiscal year."""
    months, day = [], year.start
    while day <= year.end:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def series_in(year: FiscalYear) -> list[str]:
    """The series a fiscal year's vouchers are in (one row per series, not per voucher)."""
    return sorted(
        Voucher.objects.filter(fiscal_year_start=year.start)
        .order_by()
        .values_list("series", flat=True)
        .distinct()
    )


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
