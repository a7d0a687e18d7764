"""The import of BgMax payment files (Bankgirot's "Bankgiro Inbetalningar").

`bankgiro_import()` reads a whole BgMax file (all or nothing), matches its payments to invoices by
OCR reference and records the money through the order ledger, so partial and over-payments show on
the order and a fully paid order confirms its booking. It is built for files of 100 000 payments:
one query loads every open invoice, rows are written in bulk, and matched payments go through the
ledger one by one when they are few, through its bulk path when they are many.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from consonance.audit.services import audit_append
from consonance.lib.inserts import insert_rows
from consonance.payments import hooks, ledger
from consonance.payments.bankgiro.bgmax_reader import BgMaxFile, Deposit, Payment, parse_bgmax
from consonance.payments.bankgiro.models import BankDeposit, BankPayment, ImportedFile
from consonance.payments.bankgiro.services import PROVIDER
from consonance.payments.ledger import order_record_payment
from consonance.payments.models import Order

# Orders whose OCR reference still takes money. A paid order that receives more is over-paid
# (shown to the coach); cancelled and refunded ones are not matched: the money needs her hand.
_MATCHABLE = (
    Order.Status.PENDING,
    Order.Status.PARTIALLY_PAID,
    Order.Status.PAID,
    Order.Status.OVERPAID,
)
_DIGIT_RUNS = re.compile(r"\d+")
# Up to this many matched payments per file go through the ledger one by one (an audit row per
# order); more take the bulk path, which does the same in a few queries.
LEDGER_ONE_BY_ONE = 200

# Reasons a payment was not matched, as stored in BankPayment.reason and shown in reports.
UNMATCHED_REASONS = {
    "no_reference": "no reference given",
    "no_invoice": "no open invoice has this reference",
    "several_invoices": "the references point at more than one invoice",
    "currency": "paid in another currency than the invoice",
}


@dataclass(frozen=True, slots=True)
class DepositLine:
    serial: str
    date: date
    currency: str
    amount: Decimal
    payments: int
    receiving_bankgiro: str

    def as_json(self) -> dict:
        return {
            "serial": self.serial,
            "date": self.date.isoformat(),
            "currency": self.currency,
            "amount": f"{self.amount:.2f}",
            "payments": self.payments,
            "receiving_bankgiro": self.receiving_bankgiro,
        }


@dataclass(slots=True)
class PaymentLine:
    """One payment record of the file and what the import does (or did) with it."""

    deposit: str
    position: int
    bgc_serial: str
    line: int
    kind: str
    reference: str
    reference_code: str
    amount: Decimal
    currency: str
    date: date
    state: str
    order_id: int | None = None
    order_reference: str = ""
    reason: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data["amount"] = f"{self.amount:.2f}"
        data["date"] = self.date.isoformat()
        data["order"] = data.pop("order_reference")
        if not self.reason:
            del data["reason"]
        return data


@dataclass(slots=True)
class ImportReport:
    filename: str
    sha256: str
    file_timestamp: str
    test_file: bool
    dry_run: bool
    applied: bool = False
    already_imported: bool = False
    imported_file_id: int | None = None
    deposits: list[DepositLine] = field(default_factory=list)
    matched: list[PaymentLine] = field(default_factory=list)
    unmatched: list[PaymentLine] = field(default_factory=list)
    deductions: list[PaymentLine] = field(default_factory=list)
    already_recorded: list[PaymentLine] = field(default_factory=list)

    @property
    def payment_count(self) -> int:
        return sum(deposit.payments for deposit in self.deposits)

    def as_json(self) -> dict:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "file_timestamp": self.file_timestamp,
            "test_file": self.test_file,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "already_imported": self.already_imported,
            "imported_file": self.imported_file_id,
            "deposits": [deposit.as_json() for deposit in self.deposits],
            "matched": [line.as_json() for line in self.matched],
            "unmatched": [line.as_json() for line in self.unmatched],
            "deductions": [line.as_json() for line in self.deductions],
            "already_recorded": [line.as_json() for line in self.already_recorded],
        }


@dataclass(slots=True)
class _OpenInvoice:
    pk: int
    reference: str
    currency: str
    amount: Decimal
    amount_paid: Decimal


def provider_event_id(deposit: Deposit, position: int, payment: Payment) -> str:
    """Stable id of one payment record, the same in any file that carries it.

    Deposit serials run per receiving bankgiro; the position is needed as well because BGC
    serial numbers are not unique in Bankgirot's own example file.
    """
    return (
        f"bgmax:{deposit.receiving_bankgiro}:{deposit.payment_date:%Y%m%d}:{deposit.serial}:"
        f"{position}:{payment.bgc_serial}"
    )


def _candidate_references(payment: Payment) -> list[str]:
    """References worth looking up, best first: the OCR field, then numbers in other fields."""
    reference = payment.reference
    if not payment.extra_references and reference.isdecimal():
        return [reference]  # the usual OCR number: the same list as below, a hundred times faster
    found = [payment.reference] if payment.reference_code == "2" and payment.reference else []
    texts = [payment.reference] + [e.reference for e in payment.extra_references if not e.negative]
    for text in texts:
        found.extend(_DIGIT_RUNS.findall(text))
    return list(dict.fromkeys(found))


def _open_invoices() -> dict[str, _OpenInvoice]:
    """Every order that can take a Bankgiro payment, by OCR reference: one query."""
    rows = (
        Order.objects.filter(ocr_reference__isnull=False, status__in=_MATCHABLE)
        .exclude(ocr_reference="")
        .values_list("pk", "ocr_reference", "reference", "currency", "amount", "amount_paid")
    )
    return {
        str(ocr): _OpenInvoice(pk, reference, currency, amount, paid)
        for pk, ocr, reference, currency, amount, paid in rows.iterator(chunk_size=5000)
    }


def _status_after(amount: Decimal, paid: Decimal) -> str:
    if paid < amount:
        return BankPayment.State.PARTIAL
    if paid > amount:
        return BankPayment.State.OVERPAID
    return BankPayment.State.MATCHED


_STATE_FOR_STATUS: dict[str, str] = {
    Order.Status.PARTIALLY_PAID: BankPayment.State.PARTIAL,
    Order.Status.OVERPAID: BankPayment.State.OVERPAID,
    Order.Status.PAID: BankPayment.State.MATCHED,
}


def _plan(
    parsed: BgMaxFile, report: ImportReport
) -> tuple[list[tuple[PaymentLine, str]], list[PaymentLine]]:
    """Decide every payment's fate against the database as it is now; nothing is written.

    Returns the matched lines with their ledger event ids (for applying), and every line in the
    file's order. Amounts paid are tracked in memory so that two payments to one invoice come
    out as they will be recorded. The loop runs once per payment: its names are local.
    """
    invoices = _open_invoices()
    to_record: list[tuple[PaymentLine, str]] = []
    every: list[PaymentLine] = []
    keep, unmatched, deductions = every.append, report.unmatched.append, report.deductions.append
    unmatched_state, deduction_state = BankPayment.State.UNMATCHED, BankPayment.State.DEDUCTION
    for deposit in parsed.deposits:
        report.deposits.append(
            DepositLine(
                deposit.serial,
                deposit.payment_date,
                deposit.currency,
                deposit.amount,
                len(deposit.payments),
                deposit.receiving_bankgiro,
            )
        )
        serial, currency, day = deposit.serial, deposit.currency, deposit.payment_date
        for position, payment in enumerate(deposit.payments, 1):
            line = PaymentLine(
                serial,
                position,
                payment.bgc_serial,
                payment.line,
                payment.kind,
                payment.reference,
                payment.reference_code,
                payment.amount,
                currency,
                day,
                unmatched_state,
            )
            keep(line)
            if payment.kind == "deduction":
                line.state = deduction_state
                deductions(line)
                continue
            references = _candidate_references(payment)
            if len(references) == 1:
                invoice = invoices.get(references[0])
                hits = {} if invoice is None else {invoice.pk: invoice}
            else:
                hits = {invoices[ref].pk: invoices[ref] for ref in references if ref in invoices}
            if len(hits) != 1:
                line.reason = (
                    "several_invoices" if hits else "no_invoice" if references else "no_reference"
                )
                unmatched(line)
                continue
            invoice = next(iter(hits.values()))
            if invoice.currency != currency:
                line.reason = "currency"
                unmatched(line)
                continue
            line.order_id = invoice.pk
            line.order_reference = invoice.reference
            to_record.append((line, provider_event_id(deposit, position, payment)))
    recorded = (
        ledger.recorded_event_ids(PROVIDER, [event_id for _, event_id in to_record])
        if to_record
        else set()
    )
    pending: list[tuple[PaymentLine, str]] = []
    by_pk = {invoice.pk: invoice for invoice in invoices.values()}
    for line, event_id in to_record:
        if event_id in recorded:
            line.state = BankPayment.State.DUPLICATE
            report.already_recorded.append(line)
            continue
        invoice = by_pk[line.order_id]  # type: ignore[index]
        invoice.amount_paid += line.amount
        line.state = _status_after(invoice.amount, invoice.amount_paid)
        report.matched.append(line)
        pending.append((line, event_id))
    return pending, every


def bankgiro_import(*, data: bytes, filename: str, dry_run: bool, actor: str) -> ImportReport:
    """Read a BgMax file and, unless ``dry_run``, apply it in one transaction.

    Raises BgMaxError ("file:line: reason") for a broken file, before anything is written.
    Importing a file already imported (same SHA-256) applies nothing and says so.
    """
    parsed = parse_bgmax(data, filename=filename)
    return import_parsed(
        parsed,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
        dry_run=dry_run,
        actor=actor,
    )


def import_parsed(
    parsed: BgMaxFile, *, sha256: str, filename: str, dry_run: bool, actor: str
) -> ImportReport:
    """bankgiro_import() for a file already parsed; ``sha256`` is the original file's."""
    report = ImportReport(
        filename=filename,
        sha256=sha256,
        file_timestamp=parsed.timestamp.isoformat(),
        test_file=parsed.test,
        dry_run=dry_run,
    )
    previous = ImportedFile.objects.filter(sha256=sha256).values_list("pk", flat=True).first()
    if previous is not None:
        report.already_imported = True
        report.imported_file_id = previous
        _plan(parsed, report)
        return report
    if dry_run:
        _plan(parsed, report)
        return report
    try:
        with transaction.atomic():
            _apply(parsed, report, actor)
    except IntegrityError:
        # A concurrent import of the same file committed first; this one rolled back whole.
        if not ImportedFile.objects.filter(sha256=sha256).exists():
            raise
        return import_parsed(parsed, sha256=sha256, filename=filename, dry_run=dry_run, actor=actor)
    return report


def _apply(parsed: BgMaxFile, report: ImportReport, actor: str) -> None:
    imported = ImportedFile.objects.create(
        sha256=report.sha256,
        filename=report.filename[:255],
        actor=actor,
        file_timestamp=parsed.timestamp,
        test_file=parsed.test,
        payments=parsed.payment_count,
    )
    pending, every = _plan(parsed, report)
    report.matched = []
    if len(pending) <= LEDGER_ONE_BY_ONE:
        _record_one_by_one(pending, report, actor)
    else:
        _record_in_bulk(pending, report, actor, imported.pk)

    deposits = BankDeposit.objects.bulk_create(
        [
            BankDeposit(
                imported_file=imported,
                receiving_bankgiro=deposit.receiving_bankgiro,
                serial=deposit.serial,
                payment_date=deposit.payment_date,
                currency=deposit.currency,
                amount=deposit.amount,
                payment_count=len(deposit.payments),
            )
            for deposit in parsed.deposits
        ]
    )
    deposit_pk = {deposit.serial: deposit.pk for deposit in deposits}
    file_pk = imported.pk
    # Every line once, in the file's order (recording may have moved some to already_recorded).
    insert_rows(
        BankPayment,
        _PAYMENT_COLUMNS,
        [
            (
                file_pk,
                deposit_pk[line.deposit],
                line.kind,
                line.bgc_serial,
                line.position,
                line.line,
                line.reference,
                line.reference_code,
                line.amount,
                line.currency,
                line.date,
                line.order_id,
                str(line.state),
                line.reason,
            )
            for line in every
        ],
    )
    _deposits_recorded(deposits, [*report.unmatched, *report.deductions], deposit_pk)
    imported.matched = len(report.matched)
    imported.unmatched = len(report.unmatched)
    imported.deductions = len(report.deductions)
    imported.save(update_fields=["matched", "unmatched", "deductions"])
    audit_append(
        actor=actor,
        action="bankgiro.file_imported",
        category="orders",
        detail={
            "imported_file": imported.pk,
            "deposits": len(parsed.deposits),
            "payments": parsed.payment_count,
            "matched": len(report.matched),
            "unmatched": len(report.unmatched),
            "deductions": len(report.deductions),
            "already_recorded": len(report.already_recorded),
        },
    )
    report.applied = True
    report.imported_file_id = imported.pk


def _deposits_recorded(
    deposits: list[BankDeposit], lines: list[PaymentLine], deposit_pk: dict[str, int]
) -> None:
    """Tell bookkeeping about each deposit and the money in it that no order took."""
    unmatched: dict[int, Decimal] = {}
    deductions: dict[int, Decimal] = {}
    for line in lines:
        into = deductions if line.kind == "deduction" else unmatched
        pk = deposit_pk[line.deposit]
        into[pk] = into.get(pk, Decimal(0)) + line.amount
    hooks.deposits_recorded.emit(
        [
            hooks.DepositRecorded(
                deposit_id=deposit.pk,
                serial=deposit.serial,
                payment_date=deposit.payment_date,
                currency=deposit.currency,
                amount=deposit.amount,
                unmatched=unmatched.get(deposit.pk, Decimal(0)),
                deductions=deductions.get(deposit.pk, Decimal(0)),
                method=PROVIDER,
            )
            for deposit in deposits
        ]
    )


def _record_one_by_one(
    pending: list[tuple[PaymentLine, str]], report: ImportReport, actor: str
) -> None:
    """The ordinary path: each matched payment through the order ledger."""
    for line, event_id in pending:
        order, changed = order_record_payment(
            order_id=line.order_id,  # type: ignore[arg-type]
            amount=line.amount,
            provider=PROVIDER,
            provider_event_id=event_id,
            actor=actor,
        )
        if not changed:  # recorded concurrently since the plan was made
            line.state = BankPayment.State.DUPLICATE
            report.already_recorded.append(line)
            continue
        line.state = _STATE_FOR_STATUS.get(order.status, line.state)
        report.matched.append(line)


def _record_in_bulk(
    pending: list[tuple[PaymentLine, str]], report: ImportReport, actor: str, imported_id: int
) -> None:
    """Many matched payments at once through the ledger's bulk path (same outcome, one audit row
    for the file instead of one per order)."""
    outcome = ledger.orders_record_payments(
        [
            ledger.PaymentIn(order_id=line.order_id, amount=line.amount, provider_event_id=event_id)  # type: ignore[arg-type]
            for line, event_id in pending
        ],
        provider=PROVIDER,
        actor=actor,
        audit_detail={"imported_file": imported_id},
    )
    for (line, _event_id), order in zip(pending, outcome, strict=True):
        if order is None:  # recorded before (another import of the same payment)
            line.state = BankPayment.State.DUPLICATE
            report.already_recorded.append(line)
            continue
        line.state = _STATE_FOR_STATUS.get(order.status, BankPayment.State.MATCHED)
        report.matched.append(line)


# BankPayment's columns as _apply() writes them (lib.inserts.insert_rows: no model instances; the
# model has no signals or save() logic, and the parser checked every value).
_PAYMENT_COLUMNS = (
    "imported_file_id",
    "deposit_id",
    "kind",
    "bgc_serial",
    "position",
    "line",
    "reference",
    "reference_code",
    "amount",
    "currency",
    "payment_date",
    "order_id",
    "state",
    "reason",
)
