"""Writes for bookkeeping: vouchers (numbered without gaps, balanced, never changed) and their
corrections. Invoices and receipts are in `documents.py`, Fortnox in `fortnox.py`.

A voucher is written in the caller's transaction (the ledger's, for payments), so money and
bookkeeping never disagree: a payment that rolls back takes its voucher and its number with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.bookkeeping.fiscal import fiscal_year_for, money
from consonance.bookkeeping.models import (
    Document,
    FortnoxPosting,
    NumberSeries,
    Voucher,
    VoucherRow,
)
from consonance.lib.inserts import insert_new, insert_new_with_rows, insert_rows
from consonance.people.models import Person
from consonance.people.selectors import identities_read


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


@dataclass(frozen=True, kw_only=True)
class VoucherSpec:
    """What a voucher says: its date, text, rows (account, amount; debit positive, summing to
    zero) and kind, who wrote it, and what it is about. `source` keys it (one voucher per
    source); `series` defaults to settings.BOOKKEEPING_SERIES."""

    date: dt.date
    description: str
    rows: Sequence[tuple[str, Decimal]]
    kind: str
    actor: str
    series: str | None = None
    payer_name: str = ""
    person_id: int | None = None
    order_id: int | None = None
    order_reference: str = ""
    order_event_id: int | None = None
    source: str | None = None
    refers_to: Voucher | None = None
    vat_amount: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)
    method: str = ""
    provider: str = ""


def _unsaved(spec: VoucherSpec) -> tuple[Voucher, list[tuple[str, Decimal]]]:
    """A voucher (without its number) and its checked rows. Raises UnbalancedVoucher."""
    checked = _rows_checked(spec.rows)
    year = fiscal_year_for(spec.date)
    voucher = Voucher(
        series=spec.series or settings.BOOKKEEPING_SERIES,
        date=spec.date,
        description=spec.description[:200],
        amount=sum((a for _acc, a in checked if a > 0), Decimal(0)),
        payer_name=spec.payer_name[:200],
        order_reference=spec.order_reference,
        person_id=spec.person_id,
        kind=spec.kind,
        fiscal_year_start=year.start,
        fiscal_year_end=year.end,
        vat_amount=money(spec.vat_amount),
        vat_rate=spec.vat_rate,
        method=spec.method,
        provider=spec.provider,
        order_id=spec.order_id,
        order_event_id=spec.order_event_id,
        source=spec.source,
        refers_to=spec.refers_to,
        created_by=spec.actor[:40],
    )
    return voucher, checked


def _rows_of(voucher: Voucher, checked: list[tuple[str, Decimal]]) -> list[VoucherRow]:
    return [
        VoucherRow(voucher=voucher, position=i, account=account, amount=amount)
        for i, (account, amount) in enumerate(checked, start=1)
    ]


def voucher_create(
    spec: VoucherSpec,
    *,
    fortnox: bool = True,
    fresh: bool = False,
    number: int | None = None,
    audit: bool = True,
    document: Document | None = None,
) -> Voucher:
    """Write the balanced voucher `spec` describes with the next number of its series. Raises
    UnbalancedVoucher.

    The spec's `source` makes
    it idempotent: a second call with the same source returns the first voucher. `fresh` says
    the caller knows the source is new (a ledger event just written), which saves the look-up;
    the unique constraint still holds. `number` is one the caller reserved with
    `numbers_reserve`. `audit=False` only for vouchers written inside a ledger transaction whose
    own audit row records the event the voucher is keyed by (`order_event_id`, `source`): one
    audit row per payment, as the BgMax import writes one per file. `document` is an unsaved
    receipt written with it (a payment's: `documents.receipt_unsaved`), the legal-hold key of
    both read once.

    Written with `lib.inserts` (statements built once, not per save; the rows as plain values,
    no instances): a payment's receipt, voucher and rows are one statement on PostgreSQL, three
    INSERTs on SQLite, after one key read (issue 23)."""
    voucher, checked = _unsaved(spec)
    with transaction.atomic(savepoint=False):
        if voucher.source and not fresh:
            existing = Voucher.objects.filter(source=voucher.source).first()
            if existing is not None:
                return existing
        assert voucher.fiscal_year_start is not None
        voucher.number = number or number_next(
            series=voucher.series, fiscal_year_start=voucher.fiscal_year_start
        )
        written: list[Voucher | Document] = [voucher] if document is None else [document, voucher]
        identities_read(written)  # the legal-hold key of both: one read
        insert_new_with_rows(
            written,
            parent=voucher,
            model=VoucherRow,
            link="voucher_id",
            columns=("position", "account", "amount"),
            rows=[(i, account, amount) for i, (account, amount) in enumerate(checked, start=1)],
        )
        if fortnox and settings.FORTNOX_CLIENT_ID:
            FortnoxPosting.objects.create(voucher=voucher)
        if not audit:
            return voucher
        audit_append(
            actor=spec.actor,
            action="voucher.created",
            subject_id=voucher.person_id,
            category="bookkeeping",
            detail={"voucher": voucher.pk, "series": voucher.series, "number": voucher.number},
        )
    return voucher


def vouchers_create_many(*, specs: Sequence[VoucherSpec]) -> list[Voucher]:
    """Write many new vouchers at once (a BgMax file's payments): each series' numbers are
    reserved in one statement, vouchers and rows inserted in bulk. The specs have new sources (ledger events just written); recorded as `voucher_create` with
    `fresh=True, audit=False` would."""
    built = [_unsaved(spec) for spec in specs]
    with transaction.atomic(savepoint=False):
        wanted: dict[tuple[str, dt.date], int] = {}
        for voucher, _rows in built:
            assert voucher.fiscal_year_start is not None
            key = (voucher.series, voucher.fiscal_year_start)
            wanted[key] = wanted.get(key, 0) + 1
        next_number = {
            key: numbers_block(series=key[0], fiscal_year_start=key[1], count=count)
            for key, count in wanted.items()
        }
        for voucher, _rows in built:
            key = (voucher.series, voucher.fiscal_year_start)  # type: ignore[assignment]
            voucher.number = next_number[key]  # type: ignore[index]
            next_number[key] += 1  # type: ignore[index]
        identities_read([v for v, _rows in built])  # one legal-hold key read for them all
        # lib.inserts, not bulk_create: on these wide models the ORM's SQL for 3 000 vouchers
        # cost several times the statements (issue 23, the BgMax import).
        vouchers = [v for v, _rows in built]
        insert_new(vouchers)
        insert_rows(
            VoucherRow,
            ("voucher_id", "position", "account", "amount"),
            [
                (voucher.pk, position, account, amount)
                for voucher, checked in built
                for position, (account, amount) in enumerate(checked, start=1)
            ],
        )
        if settings.FORTNOX_CLIENT_ID:
            FortnoxPosting.objects.bulk_create(FortnoxPosting(voucher=v) for v in vouchers)
    return vouchers


def numbers_block(*, series: str, fiscal_year_start: dt.date, count: int) -> int:
    """Reserve `count` consecutive numbers of a series; returns the first."""
    first = number_next(series=series, fiscal_year_start=fiscal_year_start)
    if count > 1:
        table = NumberSeries._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + %s "  # noqa: S608 -- the model's own table
                "WHERE series = %s AND fiscal_year_start = %s",
                [count - 1, series, fiscal_year_start],
            )
    return first


def voucher_correct(
    *, voucher_id: int, actor: str, reason: str, on: dt.date | None = None
) -> Voucher:
    """Reverse a voucher with a new one that refers to it (5 kap. 5 §); the first stays as it is.

    Returns the correcting voucher; correcting twice returns the first correction. The audit
    row ("voucher.corrected") names both vouchers; the reason is in the new voucher's text.
    """
    with transaction.atomic():
        original = Voucher.objects.select_for_update().get(pk=voucher_id)
        existing = Voucher.objects.filter(source=f"correction:{original.pk}").first()
        if existing is not None:
            return existing
        rows = [(row.account, -row.amount) for row in original.rows.all()]
        spec = VoucherSpec(
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
        # audit=False: the row below says more, which voucher it corrects.
        correction = voucher_create(spec, fresh=True, audit=False)
        audit_append(
            actor=actor,
            action="voucher.corrected",
            subject_id=original.person_id,
            category="bookkeeping",
            detail={
                "voucher": correction.pk,
                "series": correction.series,
                "number": correction.number,
                "corrects": original.pk,
            },
        )
        return correction


def books_adopt(person: Person) -> int:
    """After `payments.orders_adopt` (a Person made for an address took back the orders naming
    it): the vouchers, invoices and receipts of those orders that name the order's payer are hers
    again; a provider's fee or payout names the provider and stays unlinked. Runs in the
    creating transaction, whose audit row counts what was linked."""
    adopted = 0
    for model, name in ((Voucher, "payer_name"), (Document, "buyer_name")):
        rows = model.objects.filter(  # the same name: the same blind index
            person__isnull=True,
            order__person=person,
            **{f"{name}_index": F("order__payer_name_index")},
        )
        adopted += rows.update(person=person)
    return adopted
