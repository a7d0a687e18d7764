"""Receipts and invoices on the member's account page, from the bookkeeping app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from consonance.bookkeeping import selectors
from consonance.bookkeeping.documents import document_url


@dataclass(frozen=True)
class Document:
    kind: str  # "receipt" | "invoice"
    number: str
    issued: date
    url: str  # a link on this site with a signed token, for her only


def person_documents(person_id: int) -> list[Document]:
    """Her receipts and invoices, newest first."""
    return [
        Document(
            kind=document.kind,
            number=document.label,
            issued=document.issued_on,
            url=document_url(document),
        )
        for document in selectors.person_documents(person_id)
    ]
