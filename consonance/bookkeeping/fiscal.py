"""Fiscal years (räkenskapsår): calendar years by default, or starting on the first of another
month (CONSONANCE_FISCAL_YEAR_START=MM-01); and money helpers (öre-exact Decimal;
formatting is lib.money's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ORE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class FiscalYear:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return str(self.start.year)
        return f"{self.start.year}/{self.end.year}"


def _start_month() -> int:
    return int(settings.BOOKKEEPING_FISCAL_YEAR_START[:2])


def fiscal_year_for(day: dt.date) -> FiscalYear:
    """The fiscal year `day` falls in."""
    month = _start_month()
    year = day.year if day.month >= month else day.year - 1
    start = dt.date(year, month, 1)
    next_start = dt.date(year + 1, month, 1)
    return FiscalYear(start, next_start - dt.timedelta(days=1))


def fiscal_year_ending_in(year: int) -> FiscalYear:
    """The fiscal year that ends in calendar year `year` (the one `--year YYYY` means)."""
    return fiscal_year_for(dt.date(year, 12, 31) if _start_month() == 1 else dt.date(year, 1, 1))


def money(value: Decimal | int | str) -> Decimal:
    """Round to whole öre, half up (as a receipt does)."""
    return Decimal(value).quantize(ORE, rounding=ROUND_HALF_UP)


def vat_part(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside an amount that includes it: 900,00 kr at 25 % holds 180,00 kr."""
    if not rate:
        return Decimal("0.00")
    return money(gross * rate / (Decimal(100) + rate))
