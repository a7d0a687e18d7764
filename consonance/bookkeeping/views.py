"""The client's invoice or receipt behind a signed link (no sign-in needed): the print-ready page
and the same document as PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from consonance.bookkeeping.document_view import document_view
from consonance.bookkeeping.documents import document_from_token
from consonance.bookkeeping.models import Document
from consonance.bookkeeping.pdf import document_pdf


def _found(token: str) -> Document:
    found = document_from_token(token)
    if found is None:
        raise Http404("unknown document")
    return found


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def document(request: HttpRequest, token: str) -> HttpResponse:
    found = _found(token)
    return _private(
        render(request, "bookkeeping/document.html", {"view": document_view(found), "token": token})
    )


def document_pdf_download(request: HttpRequest, token: str) -> HttpResponse:
    found = _found(token)
    view = document_view(found)
    return _private(pdf_response(document_pdf(found), view.filename))


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
