"""The client's invoice or receipt: print-ready HTML behind a signed link (no sign-in needed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from consonance.bookkeeping.documents import document_from_token, is_simplified, seller
from consonance.bookkeeping.fiscal import kronor


def document(request: HttpRequest, token: str) -> HttpResponse:
    found = document_from_token(token)
    if found is None:
        raise Http404("unknown document")
    response = render(
        request,
        "bookkeeping/document.html",
        {
            "document": found,
            "seller": seller(),
            "simplified": is_simplified(found),
            "net": kronor(found.amount - found.vat_amount, found.currency),
            "vat": kronor(found.vat_amount, found.currency),
            "total": kronor(found.amount, found.currency),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
