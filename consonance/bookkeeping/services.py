"""Writes for bookkeeping: vouchers (numbered without gaps, balanced, never changed) and their
corrections. Invoices and receipts are in `documents.py`, Fortnox in `fortnox.py`.

A voucher is written in the caller's transaction (the ledger's, for payments), so money and
bookkeeping never disagree: a payment that rolls back takes its voucher and its number with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.bookkeeping.fiscal import fiscal_year_for, money
from consonance.bookkeeping.models import FortnoxPosting, NumberSeries, Voucher, VoucherRow


class UnbalancedVoucher(ValueError):
    """The rows of a voucher do not sum to zero (debit must equal credit)."""


def number_next(*, series: str, fiscal_year_start: dt.date) -> int:
    """The next number in a series for a fiscal year, inside the caller's transaction.

    One UPDATE ... RETURNING takes the number and locks the series row until the transaction
    ends: concurrent writers wait, so numbers are consecutive, and a rolled-back writer leaves
    no gap. (Works on SQLite >= 3.35 and PostgreSQL.)
    """
    assert transaction.get_connection().in_atomic_block, "number_next needs a transaction"
    table = NumberSeries._meta.db_table
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + 1 "  # noqa: S608 -- the model's own table
                "WHERE series = %s AND fiscal_year_start = %s RETURNING last",
                [series, fiscal_year_start],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                NumberSeries.objects.create(
                    series=series, fiscal_year_start=fiscal_year_start, last=0
                )
        except IntegrityError:
            continue  # another writer created it first: take a number from theirs
    raise RuntimeError(f"number series {series} could not be locked")


def numbers_reserve(*, series: list[str], fiscal_year_start: dt.date) -> dict[str, int]:
    """The next number of several series at once (a voucher and its receipt): one UPDATE."""
    assert transaction.get_connection().in_atomic_block, "numbers_reserve needs a transaction"
    table = NumberSeries._meta.db_table
    marks = ", ".join(["%s"] * len(series))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 "  # noqa: S608 -- the model's own table
            f"WHERE fiscal_year_start = %s AND series IN ({marks}) RETURNING series, last",
            [fiscal_year_start, *series],
        )
        found = {str(name): int(last) for name, last in cursor.fetchall()}
    for name in series:
        if name not in found:  # the series' first number this year
            found[name] = number_next(series=name, fiscal_year_start=fiscal_year_start)
    return found


def _rows_checked(rows: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    checked = [(account, money(amount)) for account, amount in rows if money(amount) != 0]
    if len(checked) < 2:
        raise UnbalancedVoucher("a voucher needs at least two rows")
    total = sum((amount for _account, amount in checked), Decimal(0))
    if total != 0:
        raise UnbalancedVoucher(f"rows sum to {total}, not 0")
    return checked


def voucher_create(
    *,
    date: dt.date,
    description: str,
    rows: Sequence[tuple[str, Decimal]],
    kind: str,
    actor: str,
    series: str | None = None,
    payer_name: str = "",
    person_id: int | None = None,
    order_id: int | None = None,
    order_reference: str = "",
    order_event_id: int | None = None,
    source: str | None = None,
    refers_to: Voucher | None = None,
    vat_amount: Decimal = Decimal(0),
    vat_rate: Decimal = Decimal(0),
    method: str = "",
    provider: str = "",
    fortnox: bool = True,
    fresh: bool = False,
    number: int | None = None,
    audit: bool = True,
) -> Voucher:
    """Write a balanced voucher with the next number of its series. Raises UnbalancedVoucher.

    `source` makes it idempotent: a second call with the same source returns the first voucher.
    `fresh` says the caller knows the source is new (a ledger event just written), which saves
    the look-up; the unique constraint still holds. `number` is one the caller reserved with
    `numbers_reserve`. `audit=False` only for vouchers written inside a ledger transaction whose
    own audit row records the event the voucher is keyed by (`order_event_id`, `source`): one
    audit row per payment, as the BgMax import writes one per file.
    """
    checked = _rows_checked(rows)
    with transaction.atomic(savepoint=False):
        if source and not fresh:
            existing = Voucher.objects.filter(source=source).first()
            if existing is not None:
                return existing
        year = fiscal_year_for(date)
        series = series or settings.BOOKKEEPING_SERIES
        gross = sum((a for _acc, a in checked if a > 0), Decimal(0))
        voucher = Voucher.objects.create(
            series=series,
            number=number or number_next(series=series, fiscal_year_start=year.start),
            date=date,
            description=description[:200],
            amount=gross,
            payer_name=payer_name[:200],
            order_reference=order_reference,
            person_id=person_id,
            kind=kind,
            fiscal_year_start=year.start,
            fiscal_year_end=year.end,
            vat_amount=money(vat_amount),
            vat_rate=vat_rate,
            method=method,
            provider=provider,
            order_id=order_id,
            order_event_id=order_event_id,
            source=source,
            refers_to=refers_to,
            created_by=actor[:40],
        )
        VoucherRow.objects.bulk_create(
            VoucherRow(voucher=voucher, position=i, account=account, amount=amount)
            for i, (account, amount) in enumerate(checked, start=1)
        )
        if fortnox and settings.FORTNOX_CLIENT_ID:
            FortnoxPosting.objects.create(voucher=voucher)
        if not audit:
            return voucher
        audit_append(
            actor=actor,
            action="voucher.created",
            subject_id=person_id,
            category="bookkeeping",
            detail={
                "voucher": voucher.pk,
                "series": series,
                "number": voucher.number,
            },
        )
    return voucher


def voucher_correct(
    *, voucher_id: int, actor: str, reason: str, on: dt.date | None = None
) -> Voucher:
    """Reverse a voucher with a new one that refers to it (5 kap. 5 §); the first stays as it is.

    Returns the correcting voucher; correcting twice returns the first correction.
    """
    with transaction.atomic():
        original = Voucher.objects.select_for_update().get(pk=voucher_id)
        rows = [(row.account, -row.amount) for row in original.rows.all()]
        return voucher_create(
            date=on or timezone.localdate(),
            description=f"Rättelse av {original.label}: {reason}"[:200],
            rows=rows,
            kind=Voucher.Kind.CORRECTION,
            actor=actor,
            series=original.series,
            payer_name=original.payer_name,
            person_id=original.person_id,
            order_id=original.order_id,
            order_reference=original.order_reference,
            source=f"correction:{original.pk}",
            refers_to=original,
            vat_amount=-original.vat_amount,
            vat_rate=original.vat_rate,
            method=original.method,
            provider=original.provider,
        )
