"""Numbers at a glance for the coach: income and sessions per month of a fiscal year, and the
Bankgiro invoices still open, as small charts drawn on the server (lib/charts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consonance.booking.selectors import bookings_per_month
from consonance.bookkeeping.fiscal import FiscalYear
from consonance.bookkeeping.models import VoucherRow
from consonance.bookkeeping.selectors import months_in
from consonance.lib.charts import BarChart, bar_chart
from consonance.lib.money import format_amount
from consonance.payments.bankgiro.selectors import open_invoices_by_age


def _kronor(value: Decimal) -> str:
    """Whole kronor, the Swedish way: "12 345 kr" ("SEK 12,345" in English)."""
    return format_amount(int(value)).replace(",00 kr", " kr").replace(".00", "")


def income_per_month(year: FiscalYear) -> dict[dt.date, Decimal]:
    """Net sales (every sales account, VAT excluded, refunds and corrections deducted) per
    month, from the vouchers."""
    a = settings.BOOKKEEPING_ACCOUNTS
    sales = (a["sales_vat"], a["sales_vat_12"], a["sales_vat_6"], a["sales_exempt"])
    rows = (
        VoucherRow.objects.filter(voucher__date__range=(year.start, year.end), account__in=sales)
        .annotate(y=ExtractYear("voucher__date"), m=ExtractMonth("voucher__date"))
        .values("y", "m")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {dt.date(row["y"], row["m"], 1): -(row["total"] or Decimal(0)) for row in rows}


Point = tuple[str, str, Decimal | int, str]


def _monthly(
    months: list[dt.date],
    values: dict[dt.date, Decimal] | dict[dt.date, int],
    text: Callable[[Any], str],
    short: Callable[[Any], str],
) -> list[Point]:
    """A bar per month: "jan" under it, `short` of its value above it, "januari 2026: <text>" as
    its title."""
    points: list[Point] = []
    for month in months:
        value = values.get(month, 0)
        points.append(
            (
                str(MONTHS_3[month.month]),
                f"{MONTHS[month.month]} {month.year}: {text(value)}",
                value,
                short(value),
            )
        )
    return points


def _invoice_points(today: dt.date) -> list[Point]:
    return [
        (
            group.label,
            ngettext(
                "%(label)s: %(count)s faktura, %(amount)s",
                "%(label)s: %(count)s fakturor, %(amount)s",
                group.count,
            )
            % {"label": group.label, "count": group.count, "amount": _kronor(group.outstanding)},
            group.outstanding,
            _kronor(group.outstanding),
        )
        for group in open_invoices_by_age(today)
    ]


def _sessions(count: int) -> str:
    return ngettext("%(count)s samtal", "%(count)s samtal", count) % {"count": count}


def charts(year: FiscalYear, today: dt.date) -> list[tuple[BarChart, str]]:
    """The three charts, each with what it says when there is nothing to draw."""
    months = months_in(year)
    income_points = _monthly(
        months, income_per_month(year), _kronor, lambda v: _kronor(v).removesuffix(" kr")
    )
    session_points = _monthly(months, bookings_per_month(year.start, year.end), _sessions, str)
    invoice_points = _invoice_points(today)
    drawn = (
        (
            "intakter",
            _("Intäkter per månad, exklusive moms (kr)"),
            _("Försäljningen på försäljningskontona, återbetalningar avdragna."),
            income_points,
            _("inga intäkter än"),
        ),
        (
            "samtal",
            _("Bokade samtal per månad"),
            _("Bekräftade samtal, och de som klienten uteblev från."),
            session_points,
            _("inga samtal än"),
        ),
        (
            "fakturor",
            _("Obetalda fakturor i dag, efter dagar sedan förfallodagen (kr)"),
            _("Bankgirofakturor som väntar på betalning, efter hur sena de är."),
            invoice_points,
            _("inga obetalda fakturor"),
        ),
    )
    return [
        (bar_chart(id=key, title=title, description=text, points=points), empty)
        for key, title, text, points, empty in drawn
    ]
