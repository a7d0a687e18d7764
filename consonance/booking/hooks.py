"""What the booking app tells (and asks) the apps above it (journal, bookkeeping...), without
importing them."""

from __future__ import annotations

from dataclasses import dataclass

from consonance.booking.models import Booking
from consonance.lib.hooks import Hook
from consonance.payments.models import Order

#: A booking was confirmed (paid). The journal opens an e-mail consultation for an e-mail service.
booking_confirmed: Hook[Booking, None] = Hook(
    "booking.booking_confirmed", when="a booking was confirmed (paid)"
)

#: A booking was cancelled (by the client or the coach); the journal closes its e-mail consultation.
booking_cancelled: Hook[Booking, None] = Hook(
    "booking.booking_cancelled", when="a booking was cancelled"
)


@dataclass(frozen=True)
class OrderDocument:
    """A document about an order that the client may open: a receipt, an invoice."""

    label: str  # shown as the link text, already translated
    url: str  # absolute; carries a signed token, never personal data


#: Which documents exist for an order (`collect`: each handler returns a list of OrderDocument).
#: The client's booking page and e-mails link to them.
order_documents: Hook[Order, list[OrderDocument]] = Hook(
    "booking.order_documents", when="the booking page and e-mails ask which documents an order has"
)


def documents_for(order: Order | None) -> list[OrderDocument]:
    if order is None:
        return []
    return [document for found in order_documents.collect(order) for document in found or ()]


#: The same documents as files to attach to a mail (`collect`: each handler returns a list of
#: (file name, bytes, MIME type)), rendered in the active language.
order_document_files: Hook[Order, list[tuple[str, bytes, str]]] = Hook(
    "booking.order_document_files",
    when="the invoice and confirmation mails ask for the order's documents as files",
)


def document_files_for(order: Order | None) -> list[tuple[str, bytes, str]]:
    if order is None:
        return []
    return [file for found in order_document_files.collect(order) for file in found or ()]
