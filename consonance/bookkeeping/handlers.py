"""Bookkeeping's reactions to the hooks of the apps below it, registered in BookkeepingConfig.ready().

Every handler runs inside the ledger's transaction: a voucher that cannot be written rolls the
payment back, so a payment never exists without its voucher.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from consonance.booking import hooks as booking_hooks
from consonance.bookkeeping import documents, vouchers
from consonance.bookkeeping.fiscal import fiscal_year_for
from consonance.bookkeeping.models import Document
from consonance.bookkeeping.services import numbers_reserve
from consonance.lib.time import local_date
from consonance.payments import hooks as payment_hooks
from consonance.payments.bankgiro.services import bankgiro_number
from consonance.payments.models import Order


def on_payment(entry: payment_hooks.LedgerEntry) -> None:
    """The payment's voucher and (card, PayPal, Swish) its receipt, numbered in one statement."""
    year = fiscal_year_for(local_date(entry.at))
    receipt_series = documents.number_series(documents.SERIES[Document.Kind.RECEIPT])
    wanted = [settings.BOOKKEEPING_SERIES]
    if documents.wants_receipt(entry.order):
        wanted.append(receipt_series)
    numbers = numbers_reserve(series=wanted, fiscal_year_start=year.start)
    documents.receipt_for_payment(entry, audit=False, number=numbers.get(receipt_series))
    vouchers.voucher_for_payment(entry, number=numbers[settings.BOOKKEEPING_SERIES])


def on_refund(entry: payment_hooks.LedgerEntry) -> None:
    vouchers.voucher_for_refund(entry)


def on_fee(fee: payment_hooks.ProviderFee) -> None:
    vouchers.voucher_for_fee(fee)


def on_invoiced(order: Order) -> None:
    documents.invoice_for_order(order, bankgiro=bankgiro_number() or "")
    vouchers.voucher_for_invoice(order)


def order_documents(order: Order) -> list[booking_hooks.OrderDocument]:
    found = []
    for document in Document.objects.filter(order_id=order.pk).order_by("issued_on", "pk"):
        label = _("Faktura %(number)s") if document.kind == "invoice" else _("Kvitto %(number)s")
        found.append(
            booking_hooks.OrderDocument(
                label=label % {"number": document.label}, url=documents.document_url(document)
            )
        )
    return found


def register() -> None:
    payment_hooks.payment_recorded.register(on_payment)
    payment_hooks.refund_recorded.register(on_refund)
    payment_hooks.fee_recorded.register(on_fee)
    payment_hooks.order_invoiced.register(on_invoiced)
    booking_hooks.order_documents.register(order_documents)
