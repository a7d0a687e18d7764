"""The figures of the VAT return (momsdeklarationen) for the practice's sales, per reporting
period, each the sum of its accounts in the vouchers of the period.

The reporting period (redovisningsperiod) is a calendar month, a calendar quarter or the fiscal
year (settings.VAT_PERIOD, CONSONANCE_VAT_PERIOD). The boxes, as Skatteverket's form and its
guide "Fylla i momsdeklarationen" number them:

    05  Momspliktig försäljning som inte ingår i ruta 06, 07 eller 08 (net, every rate)
    10  Utgående moms 25 %        11  Utgående moms 12 %        12  Utgående moms 6 %
    42  Övrig försäljning m.m.: in block E, "Försäljning m.m. som är undantagen från moms",
        where sales exempt from VAT go, health care and therapy among them (ML 10 kap.); 35-41
        are exports, EU trade and reverse charge, none of which a practice's sales are.

Box 48 (input VAT) is not here: her purchases are not in this ledger. Figures are entered in
whole kronor with the öre dropped; the exact sums are shown beside them. The voucher date
decides the period (the cash method books a sale when paid, the invoice method when invoiced),
and the VAT each voucher says it holds (`Voucher.vat_amount`) is checked against the accounts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consonance.bookkeeping.fiscal import FiscalYear, fiscal_year_ending_in, fiscal_year_for
from consonance.bookkeeping.models import Voucher, VoucherRow
from consonance.lib.money import format_amount

KINDS = ("month", "quarter", "year")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class VatPeriod:
    kind: str  # month, quarter or year
    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        """How the period is written in an address: 2026-01, 2026-k1, or 2026 (fiscal year)."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-k{(self.start.month - 1) // 3 + 1}"
        return str(self.end.year)

    @property
    def label(self) -> str:
        """The Swedish way: "januari 2026", "kvartal 1 2026", "räkenskapsåret 2026"."""
        if self.kind == "month":
            return f"{MONTHS[self.start.month]} {self.start.year}"
        if self.kind == "quarter":
            return _("kvartal %(number)s %(year)s") % {
                "number": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return _("räkenskapsåret %(label)s") % {"label": FiscalYear(self.start, self.end).label}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_for(day: dt.date, kind: str | None = None) -> VatPeriod:
    """The reporting period `day` falls in."""
    kind = kind or settings.VAT_PERIOD
    if kind == "month":
        return VatPeriod(kind, day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return VatPeriod(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
    year = fiscal_year_for(day)
    return VatPeriod("year", year.start, year.end)


def period_from_key(key: str, kind: str | None = None) -> VatPeriod | None:
    """The period an address names (see `VatPeriod.key`), or None for anything else."""
    kind = kind or settings.VAT_PERIOD
    key = key.strip().lower()
    if not key.isascii() or len(key) > 7:
        return None
    year_text, _sep, rest = key.partition("-")
    if not (year_text.isdigit() and len(year_text) == 4 and 1900 < int(year_text) < 3000):
        return None
    year = int(year_text)
    if kind == "month" and rest.isdigit() and 1 <= int(rest) <= 12 and len(rest) == 2:
        return period_for(dt.date(year, int(rest), 1), kind)
    if kind == "quarter" and rest in ("k1", "k2", "k3", "k4"):
        return period_for(dt.date(year, int(rest[1]) * 3 - 2, 1), kind)
    if kind == "year" and not rest:
        fiscal = fiscal_year_ending_in(year)
        return VatPeriod("year", fiscal.start, fiscal.end)
    return None


def periods_in(year: FiscalYear, kind: str | None = None) -> list[VatPeriod]:
    """The periods that begin in a fiscal year, in order."""
    kind = kind or settings.VAT_PERIOD
    found: list[VatPeriod] = []
    day = year.start
    while day <= year.end:
        period = period_for(day, kind)
        if period.start >= year.start and period not in found:
            found.append(period)
        day = period.end + dt.timedelta(days=1)
    return found


@dataclass
class VatBox:
    number: str  # the box on the form: "05"
    label: str
    accounts: tuple[str, ...]
    amount: Decimal  # the exact sum (credit positive), in kronor and öre

    @property
    def whole(self) -> int:
        """What she enters: whole kronor, the öre dropped."""
        return int(self.amount)

    @property
    def whole_text(self) -> str:
        """The same for reading: "12 345 kr", in English "SEK 12,345"."""
        return format_amount(self.whole).replace(",00 kr", " kr").replace(".00", "")


@dataclass
class RateLine:
    rate: Decimal
    sales: Decimal
    vat: Decimal

    @property
    def expected(self) -> Decimal:
        return (self.sales * self.rate / 100).quantize(Decimal("0.01"))

    @property
    def rounding(self) -> Decimal:
        """VAT booked minus the rate times the sales: a few öre from rounding each sale."""
        return self.vat - self.expected


@dataclass
class VatReturn:
    period: VatPeriod
    boxes: list[VatBox]
    rates: list[RateLine]
    vouchers: int  # vouchers dated in the period
    voucher_vat: Decimal  # the VAT the vouchers say they hold
    totals: dict[str, Decimal] = field(default_factory=dict)  # account -> credit sum

    def box(self, number: str) -> VatBox:
        return next(b for b in self.boxes if b.number == number)

    @property
    def output_vat(self) -> Decimal:
        return sum((self.box(n).amount for n in ("10", "11", "12")), ZERO)

    @property
    def vat_difference(self) -> Decimal:
        """The VAT accounts against what the vouchers say: zero when they agree."""
        return self.output_vat - self.voucher_vat


BOX_LABELS = {
    "05": gettext_lazy("Momspliktig försäljning som inte ingår i ruta 06, 07 eller 08"),
    "10": gettext_lazy("Utgående moms 25 %"),
    "11": gettext_lazy("Utgående moms 12 %"),
    "12": gettext_lazy("Utgående moms 6 %"),
    "42": gettext_lazy("Övrig försäljning m.m. (momsfri försäljning, till exempel vård)"),
}


def box_accounts() -> dict[str, tuple[str, ...]]:
    """Each box and the accounts it sums (the account plan of settings.BOOKKEEPING_ACCOUNTS)."""
    a = settings.BOOKKEEPING_ACCOUNTS
    return {
        "05": (a["sales_vat"], a["sales_vat_12"], a["sales_vat_6"]),
        "10": (a["output_vat"],),
        "11": (a["output_vat_12"],),
        "12": (a["output_vat_6"],),
        "42": (a["sales_exempt"],),
    }


def account_totals(start: dt.date, end: dt.date, accounts: set[str]) -> dict[str, Decimal]:
    """Credit minus debit per account over the vouchers dated `start`..`end`."""
    rows = (
        VoucherRow.objects.filter(voucher__date__range=(start, end), account__in=accounts)
        .values("account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["account"]: -(row["total"] or ZERO) for row in rows}


def vat_return(period: VatPeriod) -> VatReturn:
    """The boxes of the VAT return for one period, from the vouchers dated in it."""
    boxes = box_accounts()
    wanted = {account for accounts in boxes.values() for account in accounts}
    totals = account_totals(period.start, period.end, wanted)

    def total(accounts: tuple[str, ...]) -> Decimal:
        return sum((totals.get(account, ZERO) for account in accounts), ZERO)

    a = settings.BOOKKEEPING_ACCOUNTS
    rates = [
        RateLine(Decimal(rate), total((a[sales],)), total((a[output],)))
        for rate, sales, output in (
            (25, "sales_vat", "output_vat"),
            (12, "sales_vat_12", "output_vat_12"),
            (6, "sales_vat_6", "output_vat_6"),
        )
    ]
    counted = Voucher.objects.filter(date__range=(period.start, period.end)).aggregate(
        n=Count("pk"), vat=Sum("vat_amount")
    )
    return VatReturn(
        period=period,
        boxes=[
            VatBox(number, str(BOX_LABELS[number]), accounts, total(accounts))
            for number, accounts in boxes.items()
        ],
        rates=rates,
        vouchers=counted["n"],
        voucher_vat=counted["vat"] or ZERO,
        totals=totals,
    )


def vat_returns(year: FiscalYear, kind: str | None = None) -> list[VatReturn]:
    """Every period of a fiscal year (a handful of queries each: at most twelve periods)."""
    return [vat_return(period) for period in periods_in(year, kind)]


def vat_csv_rows(report: VatReturn, decimal: str = ",") -> list[list[str]]:
    """The return as rows for a spreadsheet: a header, then one row per box."""

    def number(value: Decimal) -> str:
        return f"{value:.2f}".replace(".", decimal)

    head = [
        _("Period"),
        _("Ruta"),
        _("Vad"),
        _("Att fylla i (hela kronor)"),
        _("Summa i bokföringen (kr)"),
        _("Konton"),
    ]
    return [head] + [
        [
            report.period.label,
            box.number,
            box.label,
            str(box.whole),
            number(box.amount),
            " ".join(box.accounts),
        ]
        for box in report.boxes
    ]
