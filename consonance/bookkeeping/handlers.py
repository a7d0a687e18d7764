"""Bookkeeping's reactions to the hooks of the apps below it, registered in BookkeepingConfig.ready().

Every handler runs inside the ledger's transaction: a voucher that cannot be written rolls the
payment back, so a payment never exists without its voucher.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.booking import hooks as booking_hooks
from consonance.bookkeeping import documents, pdf, reconciliation, services, vouchers
from consonance.bookkeeping.fiscal import fiscal_year_for
from consonance.bookkeeping.models import Document
from consonance.bookkeeping.selectors import person_documents, person_fortnox_span
from consonance.lib.i18n import current_language
from consonance.lib.time import local_date
from consonance.payments import hooks as payment_hooks
from consonance.payments.bankgiro.services import bankgiro_number
from consonance.payments.models import Order, Payout
from consonance.people import hooks as people_hooks
from consonance.people.models import Person
from consonance.rights import hooks as rights_hooks


def on_payments(recorded: payment_hooks.PaymentsRecorded) -> None:
    """Many payments at once (BgMax; no `payment_recorded` follows for them): the vouchers of
    those without a receipt in bulk, then each with a receipt as `on_payment` books it, in that
    order (the numbers are as they were when the bulk vouchers came first)."""
    entries = recorded.entries
    bulk = [e for e in entries if not documents.wants_receipt(e.order)]
    services.vouchers_create_many(specs=[vouchers.payment_spec(e) for e in bulk])
    for entry in entries:
        if documents.wants_receipt(entry.order):
            on_payment(entry)


def on_payment(entry: payment_hooks.LedgerEntry) -> None:
    """The payment's voucher and (card, PayPal, Swish) its receipt, numbered in one statement."""
    year = fiscal_year_for(local_date(entry.at))
    receipt_series = documents.number_series(documents.SERIES[Document.Kind.RECEIPT])
    wanted = [settings.BOOKKEEPING_SERIES]
    if documents.wants_receipt(entry.order):
        wanted.append(receipt_series)
    numbers = services.numbers_reserve(series=wanted, fiscal_year_start=year.start)
    receipt = (
        documents.receipt_unsaved(entry, number=numbers[receipt_series])
        if receipt_series in numbers
        else None
    )
    vouchers.voucher_for_payment(
        entry, number=numbers[settings.BOOKKEEPING_SERIES], receipt=receipt
    )


def on_refund(entry: payment_hooks.LedgerEntry) -> None:
    vouchers.voucher_for_refund(entry)


def on_fee(fee: payment_hooks.ProviderFee) -> None:
    vouchers.voucher_for_fee(fee)


def on_payout(payout: Payout) -> None:
    vouchers.voucher_for_payout(payout)


def on_deposits(deposits: list[payment_hooks.DepositRecorded]) -> None:
    """A BgMax file's deposits: the vouchers of those with money no order took, in one batch."""
    services.vouchers_create_many(
        specs=[spec for spec in map(vouchers.deposit_spec, deposits) if spec is not None]
    )


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


def order_document_files(order: Order) -> list[tuple[str, bytes, str]]:
    """The order's receipts and invoices as PDF, in the active language, for her mail."""
    files = []
    for document in Document.objects.filter(order_id=order.pk).order_by("issued_on", "pk"):
        name, data = pdf.document_pdf_in(document, current_language())
        files.append((name, data, "application/pdf"))
    return files


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection | None:
    """Her receipts and invoices (kept with the books, seven years)."""
    found = list(person_documents(ask.person.pk))
    if not found:
        return None
    for document in found:
        document.link = reverse(  # type: ignore[attr-defined]
            "bookkeeping-document", args=[documents.document_token(document)]
        )
    return people_hooks.CardSection(
        position=25,
        anchor="kvitton",
        title=_("Kvitton och fakturor"),
        template="bookkeeping/staff/_client_section.html",
        context={"documents": found},
    )


def recipients_of(person: Person) -> list[rights_hooks.RecipientUse]:
    """Fortnox, for the vouchers about her that were posted there (her name is on each)."""
    span = person_fortnox_span(person.pk)
    return [rights_hooks.RecipientUse("fortnox", *span)] if span else []


def invoices_of(order_ids: tuple[int, ...]) -> dict[int, str]:
    """Rights asks which invoices were issued for these orders (an unpaid reservation's invoice,
    named on her erasure receipt so that she does not pay it)."""
    found = Document.objects.filter(order_id__in=order_ids, kind=Document.Kind.INVOICE)
    return {doc.order_id: doc.label for doc in found.order_by("pk") if doc.order_id}


def register() -> None:
    rights_hooks.recipients_of.register(recipients_of)
    rights_hooks.invoices_of.register(invoices_of)
    payment_hooks.payments_recorded.register(on_payments)
    payment_hooks.payment_recorded.register(on_payment)
    payment_hooks.refund_recorded.register(on_refund)
    payment_hooks.fee_recorded.register(on_fee)
    payment_hooks.payout_recorded.register(on_payout)
    payment_hooks.deposits_recorded.register(on_deposits)
    payment_hooks.provider_held.register(reconciliation.provider_held)
    payment_hooks.order_invoiced.register(on_invoiced)
    booking_hooks.order_documents.register(order_documents)
    booking_hooks.order_document_files.register(order_document_files)
    people_hooks.client_card.register(client_card)
    # After payments' handler (apps register in INSTALLED_APPS order): her orders are hers first.
    people_hooks.person_created.register(services.books_adopt)
