"""Invoices (faktura) and receipts (kvitto) for clients, numbered without gaps per fiscal year.

A receipt is issued for each card, PayPal and Swish payment; a Bankgiro order gets an invoice
when it is invoiced (OCR and due date). The invoice is a simplified invoice (förenklad faktura,
ML 17 kap. 29 §, SFS 2023:200) while the total is at most 4 000 kr including VAT, so no postal
address is asked; above that the buyer's name stands and the address is asked on the invoice
page by the coach. Each document copies what it shows, so it stays the same after the order is
deleted. Links carry a signed token of the document id, never personal data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.bookkeeping.fiscal import fiscal_year_for, money, vat_part
from consonance.bookkeeping.models import Document
from consonance.bookkeeping.services import number_next
from consonance.lib.time import local_date
from consonance.lib.urls import absolute_reverse
from consonance.payments import methods
from consonance.payments.hooks import LedgerEntry
from consonance.payments.models import Order

SIMPLIFIED_INVOICE_LIMIT = Decimal("4000.00")
SERIES = {Document.Kind.INVOICE: "F", Document.Kind.RECEIPT: "K"}
_SALT = "bookkeeping.document"


def number_series(series: str) -> str:
    """Invoices and receipts count in their own number series, apart from the vouchers'."""
    return f"#{series}"


def wants_receipt(order: Order) -> bool:
    row = methods.get(order.method)
    return row is not None and row.document == "receipt"


def document_token(document: Document) -> str:
    return signing.dumps(document.pk, salt=_SALT, compress=True)


def document_from_token(token: str) -> Document | None:
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Document.objects.filter(pk=pk).first()


def document_url(document: Document) -> str:
    return absolute_reverse("bookkeeping-document", document_token(document))


def _unsaved(
    *,
    kind: str,
    order: Order,
    source: str,
    issued_on: dt.date,
    amount: Decimal,
    number: int | None = None,
    **extra: object,
) -> Document:
    """The document, numbered (with `number`, or the next of its series), not yet written."""
    year = fiscal_year_for(issued_on)
    series = SERIES[Document.Kind(kind)]
    gross = money(amount)
    return Document(
        kind=kind,
        series=series,
        number=number or number_next(series=number_series(series), fiscal_year_start=year.start),
        issued_on=issued_on,
        fiscal_year_start=year.start,
        fiscal_year_end=year.end,
        order=order,
        order_reference=order.reference,
        source=source,
        person_id=order.person_id,
        buyer_name=order.payer_name,
        description=order.description,
        description_en=order.description_en,
        amount=gross,
        vat_rate=order.vat_rate,
        vat_amount=vat_part(gross, order.vat_rate),
        currency=order.currency,
        method=order.method,
        **extra,
    )


def _create(
    *,
    kind: str,
    order: Order,
    source: str,
    issued_on: dt.date,
    amount: Decimal,
    actor: str,
    **extra: Any,
) -> Document:
    with transaction.atomic(savepoint=False):
        existing = Document.objects.filter(source=source).first()
        if existing is not None:
            return existing
        document = _unsaved(
            kind=kind, order=order, source=source, issued_on=issued_on, amount=amount, **extra
        )
        document.save(force_insert=True)
        audit_append(
            actor=actor,
            action=f"document.{kind}_issued",
            subject_id=order.person_id,
            category="bookkeeping",
            detail={"document": document.pk, "order": order.pk},
        )
    return document


def receipt_unsaved(entry: LedgerEntry, *, number: int) -> Document | None:
    """The receipt for money received by card, PayPal or Swish (not Bankgiro: it has its
    invoice), numbered `number` (reserved with the payment's voucher number), not yet written:
    `services.voucher_create(..., document=)` writes it with the voucher, whose caller's audit
    row (the ledger's) names the payment. Its source is new: its ledger event was just written."""
    order = entry.order
    if not wants_receipt(order):
        return None
    paid_on = local_date(entry.at)
    return _unsaved(
        kind=Document.Kind.RECEIPT,
        order=order,
        source=f"receipt:{entry.event.pk}",
        issued_on=paid_on,
        amount=entry.amount,
        number=number,
        order_event_id=entry.event.pk,
        paid_on=paid_on,
    )


def invoice_for_order(order: Order, *, bankgiro: str = "") -> Document:
    """The invoice of a Bankgiro order that has its OCR reference and due date."""
    return _create(
        kind=Document.Kind.INVOICE,
        order=order,
        source=f"invoice:{order.pk}",
        issued_on=timezone.localdate(),
        amount=order.amount,
        actor="system",
        due_on=order.due_date,
        ocr_reference=order.ocr_reference or "",
        bankgiro=bankgiro,
    )


def seller() -> dict[str, object]:
    """Who sells: name, organisation number, VAT number, F-skatt, as invoices must say."""
    orgnr = settings.SELLER_ORGANISATION_NUMBER.replace("-", "")
    vat = settings.SELLER_VAT_NUMBER or (f"SE{orgnr}01" if orgnr else "")
    return {
        "name": settings.SELLER_NAME,
        "address": settings.SELLER_ADDRESS,
        "organisation_number": f"{orgnr[:6]}-{orgnr[6:]}" if orgnr else "",
        "vat_number": vat,
        "f_skatt": settings.SELLER_F_SKATT,
        "email": settings.DEFAULT_FROM_EMAIL,
    }


def is_simplified(document: Document) -> bool:
    return document.amount <= SIMPLIFIED_INVOICE_LIMIT
