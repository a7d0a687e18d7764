"""Invoices and receipts as PDF: the render time per document, against the same document's web
page, and the accountant's zip of a year.

Each kind (a Swedish receipt, an English receipt, a Swedish invoice) is rendered DOCUMENTS times
as PDF and as its HTML page (the baseline: the same `document_view` through the page's template),
in three alternating rounds so both see the same process state; the median per document is
reported. Then a year of ZIP_DOCUMENTS receipts is zipped as `consonance ledger documents-zip`
does. Rendering reads one row and does no other database work, so it runs on SQLite only.

Target (issue 17): a document renders in under 50 ms, so that a payment's mail is not held up
and a year of 1 000 documents zips in under a minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import databases, fresh_database, print_table, size, write_results

DOCUMENTS = size(100, 2)  # per kind, per round
ROUNDS = size(3, 1)
ZIP_DOCUMENTS = size(1000, 5)
TARGET_MS = 50.0


def make_documents(n: int) -> list[int]:
    """n paid card orders (a receipt each) and one Bankgiro invoice, through the real hooks."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from consonance.bookkeeping.documents import invoice_for_order
    from consonance.bookkeeping.models import Document
    from consonance.payments.ledger import order_record_payment
    from consonance.payments.models import Order

    at = timezone.now()
    for i in range(n):
        order = Order.objects.create(
            reference=f"PDF{i:06d}",
            method="card",
            description="Videokonsultation 50 min",
            description_en="Video consultation 50 min",
            amount=Decimal("900.00"),
            vat_rate=Decimal("25.00"),
            payer_name="Åsa Öberg",
            payer_email="bench@example.se",
        )
        order_record_payment(
            order_id=order.pk,
            amount=order.amount,
            provider="stripe",
            provider_event_id=f"bench-{i}",
            actor="system",
            at=at,
        )
    invoiced = Order.objects.create(
        reference="PDFINV",
        method="bankgiro",
        description="E-postkonsultation",
        description_en="E-mail consultation",
        amount=Decimal("1500.00"),
        vat_rate=Decimal("0.00"),
        payer_name="Karin Lund",
        payer_email="karin@example.se",
        ocr_reference="1234567897",
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    invoice_for_order(invoiced, bankgiro="5050-1055")
    return list(Document.objects.order_by("pk").values_list("pk", flat=True))


def measure() -> dict:
    from django.template.loader import render_to_string
    from django.utils import translation

    from consonance.bookkeeping.document_view import document_view
    from consonance.bookkeeping.fiscal import fiscal_year_for
    from consonance.bookkeeping.models import Document
    from consonance.bookkeeping.pdf import document_pdf, documents_zip

    ids = make_documents(ZIP_DOCUMENTS)
    receipt = Document.objects.filter(kind="receipt").first()
    invoice = Document.objects.get(kind="invoice")
    kinds = [("receipt, Swedish", receipt, "sv"), ("receipt, English", receipt, "en")]
    kinds.append(("invoice, Swedish", invoice, "sv"))

    def pdf(document):
        return document_pdf(document)

    def page(document):
        view = document_view(document)
        return render_to_string("bookkeeping/document.html", {"view": view, "token": "t"})

    rows = []
    for label, document, language in kinds:
        with translation.override(language):
            size = len(pdf(document))  # warm up both, and the PDF's size
            page(document)
            pdf_s: list[float] = []
            page_s: list[float] = []
            for _round in range(ROUNDS):
                for fn, out in ((page, page_s), (pdf, pdf_s)):
                    start = time.perf_counter()
                    for _ in range(DOCUMENTS):
                        fn(document)
                    out.append((time.perf_counter() - start) / DOCUMENTS)
        pdf_ms = statistics.median(pdf_s) * 1000
        page_ms = statistics.median(page_s) * 1000
        rows.append(
            {
                "document": label,
                "pdf_ms": round(pdf_ms, 2),
                "page_ms": round(page_ms, 2),
                "ratio": round(pdf_ms / page_ms, 1),
                "pdf_bytes": size,
            }
        )
    start = time.perf_counter()
    data, count = documents_zip(fiscal_year_for(receipt.issued_on))
    zip_s = time.perf_counter() - start
    assert count == len(ids)
    return {
        "documents": rows,
        "zip": {"documents": count, "seconds": round(zip_s, 2), "bytes": len(data)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.parse_args()
    url = databases("documents_pdf")[0][1]  # SQLite: the PDF, not the database, is measured
    fresh_database(url)
    from _common import setup_django

    setup_django(url)
    result = measure()
    for row in result["documents"]:
        row["met"] = row["pdf_ms"] < TARGET_MS
    print_table(
        ["document", "PDF ms", "web page ms", "PDF / page", "PDF bytes", f"< {TARGET_MS:g} ms"],
        [
            [
                r["document"],
                r["pdf_ms"],
                r["page_ms"],
                f"{r['ratio']}x",
                r["pdf_bytes"],
                "met" if r["met"] else "MISSED",
            ]
            for r in result["documents"]
        ],
    )
    z = result["zip"]
    print(f"zip of {z['documents']} documents: {z['seconds']} s, {z['bytes']} bytes")
    write_results(
        "documents_pdf",
        {"database": "sqlite", "target_ms": TARGET_MS, "rounds": ROUNDS, **result},
    )


if __name__ == "__main__":
    main()
