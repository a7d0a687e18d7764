"""Invoices and receipts as PDF: attached to her mails in her language, downloadable from the page
and the coach's side, the same words and figures as the page; the year's documents in one zip for
the accountant (the staff page's button and `consonance ledger documents-zip`)."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from consonance.audit.models import Event
from consonance.booking.models import Booking
from consonance.bookkeeping.documents import document_token
from consonance.bookkeeping.models import Document
from tests.factories import NOW, book_by_bankgiro, form, paid_order, pay, sent_to, slot_links

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def practice(practice, settings):
    settings.SELLER_ORGANISATION_NUMBER = "5566778899"
    settings.SELLER_NAME = "Consonance Communication"
    settings.SELLER_ADDRESS = "Storgatan 1\n111 22 Stockholm"
    return practice


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return _plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def page_fields(html: str) -> list[str]:
    """Every piece of text the document page shows, one per element (the print hint aside)."""
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    article = re.sub(r'<p class="noprint">.*?</p>', "", article, flags=re.S)
    pieces = re.split(r"<[^>]+>", article.split(">", 1)[1])
    return [_plain(html_lib.unescape(p)) for p in pieces if _plain(html_lib.unescape(p))]


def assert_same_content(html: str, data: bytes) -> None:
    text = pdf_text(data)
    fields = page_fields(html)
    assert len(fields) > 15
    missing = [field for field in fields if field not in text]
    assert not missing, f"on the page, not in the PDF: {missing}\nPDF: {text}"


def attachment(message, suffix=".pdf") -> tuple[str, bytes]:
    [found] = [(a[0], a[1]) for a in message.attachments if a[0].endswith(suffix)]
    return found


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_invoice_mail_carries_the_invoice_as_pdf_with_what_the_page_says(
    client, practice, language
):
    video, _ = practice
    video.name_en = "Video session 50 min"
    video.save()
    page = client.get(f"/boka/{video.pk}/?sida=1").content.decode()
    link = slot_links(page, video)[0]
    if language == "en":
        link = "/en/book/" + link.removeprefix("/boka/")
    assert client.post(link, form("bankgiro", 1)).status_code == 302
    booking = Booking.objects.get(person__email="astrid1@example.se")
    assert booking.language == language
    invoice = Document.objects.get(order=booking.order, kind="invoice")
    [mail] = sent_to("astrid1@example.se")
    name, data = attachment(mail)
    assert name == ("faktura" if language == "sv" else "invoice") + f"-{invoice.label}.pdf"

    path = "/dokument/" if language == "sv" else "/en/documents/"
    html = client.get(f"{path}{document_token(invoice)}/").content.decode()
    assert_same_content(html, data)
    text = pdf_text(data)
    if language == "sv":
        assert "Förenklad faktura" in text and "900,00 kr" in text and "Moms 25 %" in text
        assert "Videokonsultation" in text and "16 mars 2026" in text
    else:
        assert "Simplified invoice" in text and "SEK 900.00" in text and "VAT 25 %" in text
        assert "Video session 50 min" in text and "16 March 2026" in text
        assert "kr" not in text.replace("Storgatan", "")
    for fact in (invoice.ocr_reference, "5050-1055", "556677-8899", "Storgatan 1", "Astrid"):
        assert fact in text
    # The page offers the same PDF for download.
    download = client.get(f"{path}{document_token(invoice)}/pdf/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert pdf_text(download.content) == text

    # Paid: the confirmation carries the same invoice (the document of a Bankgiro order).
    pay(booking.order)
    confirmation = sent_to("astrid1@example.se")[-1]
    assert attachment(confirmation)[0] == name


def test_a_card_receipt_pdf_has_what_its_page_has_in_both_languages(client, practice):
    order = paid_order(method="card", at=NOW, payer_name="Åsa Öberg-Łukasz")
    order.description_en = "Video consultation 50 min"
    order.save()
    receipt = Document.objects.get(order=order, kind="receipt")
    receipt.description_en = "Video consultation 50 min"
    receipt.save()
    token = document_token(receipt)
    for path in (f"/dokument/{token}/", f"/en/documents/{token}/"):
        html = client.get(path).content.decode()
        data = client.get(path + "pdf/").content
        # A letter the PDF's font lacks is written as its Latin letter; all else is the same.
        assert_same_content(html.replace("Łukasz", "Lukasz"), data)
    english = pdf_text(client.get(f"/en/documents/{token}/pdf/").content)
    assert "Receipt" in english and "Video consultation 50 min" in english
    assert "Paid 16 March 2026 by Card" in english and "SEK 720.00" in english
    swedish = pdf_text(client.get(f"/dokument/{token}/pdf/").content)
    assert "Betalt 16 mars 2026 med Kort" in swedish and "Åsa Öberg-Lukasz" in swedish


def test_a_forged_or_malformed_pdf_link_is_404(client, practice):
    assert client.get("/dokument/forged/pdf/").status_code == 404
    assert client.get("/en/documents/" + "x" * 300 + "/pdf/").status_code == 404


def test_the_coach_downloads_one_document_and_the_years_zip(staff_client, practice):
    paid_order(method="card", at=NOW)
    paid_order(method="swish", at=NOW, payer_name="=HYPERLINK(1)")
    video, _ = practice
    _response, booking = book_by_bankgiro(staff_client, video)
    receipt = Document.objects.filter(kind="receipt").order_by("number").first()

    page = staff_client.get("/staff/bookkeeping/?ar=2026").content.decode()
    assert "Kvitton och fakturor 2026 som PDF (zip, 3 dokument)" in page
    response = staff_client.get("/staff/bookkeeping/documents/2026.zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == [
        "dokument.csv",
        "fakturor/faktura-F2026-1.pdf",
        "kvitton/kvitto-K2026-1.pdf",
        "kvitton/kvitto-K2026-2.pdf",
    ]
    assert "Kvitto" in pdf_text(archive.read("kvitton/kvitto-K2026-1.pdf"))
    rows = list(
        csv.reader(io.StringIO(archive.read("dokument.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:3] == ["nummer", "typ", "datum"]
    assert {r[0] for r in rows[1:]} == {"K2026-1", "K2026-2", "F2026-1"}
    assert "'=HYPERLINK(1)" in {r[6] for r in rows[1:]}  # never read as a formula
    assert Event.objects.filter(action="document.zip_downloaded").count() == 1

    one = staff_client.get(f"/staff/bookkeeping/documents/{receipt.pk}.pdf")
    assert one["Content-Disposition"] == f'attachment; filename="kvitto-{receipt.label}.pdf"'
    card = staff_client.get(f"/staff/web/clients/{booking.person_id}/").content.decode()
    assert "/staff/bookkeeping/documents/" in card
    assert staff_client.get("/staff/bookkeeping/documents/99999.pdf").status_code == 404
    assert staff_client.get("/staff/bookkeeping/documents/12.zip").status_code == 404


def test_the_documents_zip_command_writes_the_year_for_the_accountant(practice, tmp_path):
    paid_order(method="card", at=NOW, amount="1500.00", vat_rate="0")
    out = tmp_path / "2026.zip"
    stdout = io.StringIO()
    call_command("ledger", "documents-zip", "--year", "2026", "--out", str(out), stdout=stdout)
    assert "1 documents" in stdout.getvalue()
    archive = zipfile.ZipFile(out)
    text = pdf_text(archive.read("kvitton/kvitto-K2026-1.pdf"))
    assert "1 500,00 kr" in text and "Momsfri tjänst" in text
    with pytest.raises(CommandError, match="four-digit year"):
        call_command("ledger", "documents-zip", "--year", "26", "--out", str(out))
    with pytest.raises(CommandError, match="cannot write"):
        call_command(
            "ledger", "documents-zip", "--year", "2026", "--out", str(tmp_path / "no" / "x.zip")
        )
    empty = tmp_path / "2019.zip"
    call_command("ledger", "documents-zip", "--year", "2019", "--out", str(empty), stdout=stdout)
    assert zipfile.ZipFile(empty).namelist() == ["dokument.csv"]
