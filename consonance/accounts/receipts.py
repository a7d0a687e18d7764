"""Receipts and invoices on the member's account page: THE place where bookkeeping joins.

The bookkeeping app (issue 8) produces receipts and invoices; when it lands, `person_documents`
returns them from its selectors (e.g. `bookkeeping.selectors.person_receipts(person_id)`), and
the account page lists them under "Kvitton och fakturor" with no other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Document:
    kind: str  # "receipt" | "invoice"
    number: str
    issued: date
    url: str  # a download link on this site, for her only


def person_documents(person_id: int) -> list[Document]:
    """Her receipts and invoices, newest first. Empty until bookkeeping is wired in."""
    return []
