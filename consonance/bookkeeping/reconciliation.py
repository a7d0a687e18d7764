"""Reconciliation per provider and month ("Avstämning"): what came in, the fees, what reached the
bank and what is still on its way, from the vouchers on the provider's clearing account, checked
against the order ledger, the payouts and (Bankgiro) the deposits of the BgMax files.

Every difference is said in words and marked explained or not. Explained: money on its way within
the provider's payout time, a fee still being read, a PayPal balance not yet withdrawn, a Bankgiro
payment waiting for her hand. Unexplained: anything the books and the providers' own records do not
account for (a payment without its voucher or fee, more paid out than came in, money in transit
longer than the provider takes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consonance.bookkeeping.models import Voucher, VoucherRow
from consonance.bookkeeping.vouchers import account, clearing_account
from consonance.lib.money import format_amount
from consonance.lib.time import STOCKHOLM
from consonance.payments import methods
from consonance.payments import selectors as payments
from consonance.payments.bankgiro import selectors as bankgiro


def providers() -> dict[str, str]:
    """The providers reconciled month by month, by name: those holding her money (their clearing
    account) and those paid into the bank by file (Bankgiro: its deposits); the table says."""
    return {
        row.provider: row.display_name
        for row in methods.all_methods()
        if row.provider_held or row.document == "invoice"
    }


def _held_by_provider(provider: str) -> bool:
    row = methods.of_provider(provider)
    return row is not None and row.provider_held


# A Stripe fee is read after the payment; within this time a payment without its fee is expected.
FEE_GRACE = dt.timedelta(days=1)
ZERO = Decimal(0)
K = Voucher.Kind


@dataclass(frozen=True)
class Difference:
    text: str
    explained: bool


@dataclass
class Reconciliation:
    provider: str
    start: dt.date
    end: dt.date  # exclusive
    opening: Decimal = ZERO  # in transit when the month began
    came_in: Decimal = ZERO
    payments: int = 0
    refunded: Decimal = ZERO
    fees: Decimal = ZERO
    to_bank: Decimal = ZERO
    corrections: Decimal = ZERO
    closing: Decimal = ZERO  # in transit (or held by the provider) when the month ended
    differences: list[Difference] = field(default_factory=list)

    @property
    def label(self) -> str:
        return providers()[self.provider]

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if not d.explained]


def _kr(value: Decimal | None) -> Decimal:
    """A sum from the database in whole öre (SQLite adds decimals as floating point)."""
    return (value or ZERO).quantize(Decimal("0.01"))


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    return start, dt.date(year + month // 12, month % 12 + 1, 1)


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM)


def reconcile(provider: str, year: int, month: int, *, today: dt.date) -> Reconciliation:
    """The month's reconciliation for one of `providers()`."""
    start, end = month_bounds(year, month)
    result = Reconciliation(provider=provider, start=start, end=end)
    if not _held_by_provider(provider):
        _bankgiro(result)
    else:
        _clearing(result, today)
    _ledger_check(result)
    return result


def _clearing(result: Reconciliation, today: dt.date) -> None:
    """Stripe and PayPal: the movements of the provider's clearing account, by kind."""
    provider, start, end = result.provider, result.start, result.end
    sums = (
        VoucherRow.objects.filter(
            account=clearing_account(provider), voucher__provider=provider, voucher__date__lt=end
        )
        .values("voucher__kind")
        .annotate(
            before=Sum("amount", filter=Q(voucher__date__lt=start)),
            within=Sum("amount", filter=Q(voucher__date__gte=start)),
        )
    )
    for row in sums:
        kind, within = row["voucher__kind"], _kr(row["within"])
        result.opening += _kr(row["before"])
        if kind == K.PAYMENT:
            result.came_in += within
        elif kind == K.REFUND:
            result.refunded -= within
        elif kind == K.FEE:
            result.fees -= within
        elif kind == K.TRANSFER:
            result.to_bank -= within
        else:
            result.corrections += within
    result.closing = (
        result.opening
        + result.came_in
        - result.refunded
        - result.fees
        - result.to_bank
        + result.corrections
    )
    _fee_check(result, today)
    _payout_check(result)
    _transit_check(result, today)


def _fee_check(result: Reconciliation, today: dt.date) -> None:
    """Every card and PayPal payment of the month has its fee voucher."""
    fee = Voucher.objects.filter(
        kind=K.FEE, provider=result.provider, order_id=OuterRef("order_id")
    )
    missing = list(
        Voucher.objects.filter(
            kind=K.PAYMENT,
            provider=result.provider,
            date__gte=result.start,
            date__lt=result.end,
            order_id__isnull=False,
        )
        .exclude(Exists(fee))
        .values_list("order_id", "date")
    )
    if not missing:
        return
    waiting = payments.fees_waiting([order_id for order_id, _day in missing])
    recent = [o for o, day in missing if o in waiting and today - day <= FEE_GRACE]
    late = len(missing) - len(recent)
    if recent:
        result.differences.append(
            Difference(
                ngettext(
                    "%(n)d betalning från de senaste dagarna väntar på sin avgift, som hämtas "
                    "från %(p)s.",
                    "%(n)d betalningar från de senaste dagarna väntar på sina avgifter, som "
                    "hämtas från %(p)s.",
                    len(recent),
                )
                % {"n": len(recent), "p": result.label},
                explained=True,
            )
        )
    if late:
        result.differences.append(
            Difference(
                ngettext(
                    "%(n)d betalning saknar bokförd avgift.",
                    "%(n)d betalningar saknar bokförd avgift.",
                    late,
                )
                % {"n": late},
                explained=False,
            )
        )


def _payout_check(result: Reconciliation) -> None:
    """Every payout recorded by the payments app is booked, and nothing else is."""
    recorded, _count = payments.payouts_total(result.provider, result.start, result.end)
    if recorded != result.to_bank:
        result.differences.append(
            Difference(
                _("Utbetalningarna till banken är %(recorded)s, men bokföringen visar %(booked)s.")
                % {"recorded": format_amount(recorded), "booked": format_amount(result.to_bank)},
                explained=False,
            )
        )


def _transit_check(result: Reconciliation, today: dt.date) -> None:
    closing = result.closing
    if closing < 0:
        result.differences.append(
            Difference(
                _("%(amount)s mer har gått till banken än som kommit in via %(p)s.")
                % {"amount": format_amount(-closing), "p": result.label},
                explained=False,
            )
        )
        return
    if closing == 0:
        return
    # How long the provider takes to pay a payment out: money in transit within this window of
    # the period's end is expected (a provider that holds it until she withdraws it has none).
    row = methods.of_provider(result.provider)
    window = row.payout_window if row is not None else None
    if window is None:
        result.differences.append(
            Difference(
                _("%(amount)s finns kvar på ditt PayPal-konto tills du gör ett uttag till banken.")
                % {"amount": format_amount(closing)},
                explained=True,
            )
        )
        return
    # What has not cleared yet: the last week's payments less their fees (refunds leave at once).
    cut = min(result.end, today + dt.timedelta(days=1))
    recent = _kr(
        VoucherRow.objects.filter(
            account=clearing_account(result.provider),
            voucher__provider=result.provider,
            voucher__date__gte=cut - window,
            voucher__date__lt=cut,
        )
        .filter(voucher__kind__in=(K.PAYMENT, K.FEE))
        .aggregate(total=Sum("amount"))["total"]
    )
    on_way = min(closing, max(recent, ZERO))
    if on_way > 0:
        result.differences.append(
            Difference(
                _(
                    "%(amount)s är på väg: betalningar från den sista veckan, som %(p)s betalar "
                    "ut inom %(days)d dagar."
                )
                % {"amount": format_amount(on_way), "p": result.label, "days": window.days},
                explained=True,
            )
        )
    if closing > on_way:
        result.differences.append(
            Difference(
                _("%(amount)s borde redan ha kommit till banken från %(p)s.")
                % {"amount": format_amount(closing - on_way), "p": result.label},
                explained=False,
            )
        )


def _bankgiro(result: Reconciliation) -> None:
    """Bankgiro: the deposits (TK15) are what the bank statement shows; their payments were
    booked one by one as they were matched to orders, straight to the bank account."""
    found = bankgiro.deposits_between(result.start, result.end)
    result.came_in = found.booked + found.earlier
    result.to_bank = found.deposited
    paid_in = Voucher.objects.filter(
        kind=K.PAYMENT, provider=result.provider, date__gte=result.start, date__lt=result.end
    )
    result.payments = paid_in.count()
    rest = found.deposited - found.booked - found.earlier
    rest -= found.unmatched_open + found.unmatched_resolved - found.deductions
    held = {"account": account("unidentified")}
    if found.unmatched_open:
        result.differences.append(
            Difference(
                ngettext(
                    "%(n)d inbetalning på %(amount)s kunde inte kopplas till någon order. Den är "
                    "bokförd på konto %(account)s tills du har hanterat den på Bankgiro-sidan.",
                    "%(n)d inbetalningar på sammanlagt %(amount)s kunde inte kopplas till någon "
                    "order. De är bokförda på konto %(account)s tills du har hanterat dem på "
                    "Bankgiro-sidan.",
                    found.unmatched_open_count,
                )
                % {
                    "n": found.unmatched_open_count,
                    "amount": format_amount(found.unmatched_open),
                    **held,
                },
                explained=True,
            )
        )
    if found.unmatched_resolved:
        result.differences.append(
            Difference(
                _("%(amount)s utan order har du hanterat för hand (bokfört på konto %(account)s).")
                % {"amount": format_amount(found.unmatched_resolved), **held},
                explained=True,
            )
        )
    if found.deductions:
        result.differences.append(
            Difference(
                _(
                    "Bankgirot drog av %(amount)s från insättningarna (bokfört mot konto %(account)s)."
                )
                % {"amount": format_amount(found.deductions), **held},
                explained=True,
            )
        )
    if rest:
        result.differences.append(
            Difference(
                _("Insättningarna skiljer sig med %(amount)s från sina betalningar.")
                % {"amount": format_amount(rest)},
                explained=False,
            )
        )


def _ledger_check(result: Reconciliation) -> None:
    """The payments the order ledger recorded in the month all have their vouchers."""
    recorded, count = payments.paid_total(
        result.provider, _instant(result.start), _instant(result.end)
    )
    booked = _kr(
        Voucher.objects.filter(
            kind=K.PAYMENT,
            provider=result.provider,
            date__gte=result.start,
            date__lt=result.end,
            source__startswith="paid:",
        ).aggregate(total=Sum("amount"))["total"]
    )
    if _held_by_provider(result.provider):
        result.payments = count
    if recorded != booked:
        result.differences.append(
            Difference(
                _("Ordrarna visar %(recorded)s i betalningar, men bokföringen %(booked)s.")
                % {"recorded": format_amount(recorded), "booked": format_amount(booked)},
                explained=False,
            )
        )


def provider_held(provider: str) -> Decimal | None:
    """What a provider holds for the coach now: its clearing account's balance (payments.hooks
    .provider_held, for the withdrawal form)."""
    if not _held_by_provider(provider):
        return None
    return _kr(
        VoucherRow.objects.filter(
            account=clearing_account(provider), voucher__provider=provider
        ).aggregate(total=Sum("amount"))["total"]
    )
