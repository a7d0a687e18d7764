"""Invoices and receipts as PDF (fpdf2), and the year's documents as one zip for the accountant.

The PDF says exactly what the web page says: both are drawn from `document_view` in the same
language. The built-in Helvetica is used (no font files to ship, a few milliseconds a
document); it covers Swedish and Western European text (Windows-1252), and a letter outside it
(a name in another script) is written as its closest Latin letter or "?".
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from consonance.bookkeeping.document_view import DocumentView, document_view
from consonance.bookkeeping.fiscal import FiscalYear
from consonance.bookkeeping.models import Document

ENCODING = "windows-1252"
INK = (31, 31, 31)
MUTED = (85, 85, 85)
LINE = (200, 200, 200)
LEFT, RIGHT, WIDTH = 20.0, 190.0, 170.0
AMOUNT_WIDTH = 45.0
#: The zip's documents are in the books' language.
ZIP_LANGUAGE = "sv"
#: Letters that Unicode does not decompose into a Latin letter and an accent.
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h"})


def _text(value: object) -> str:
    """What the built-in font can write: the text itself, or its nearest Latin letters."""
    text = str(value).replace("\u2212", "-").translate(_LATIN)
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


class _Page(FPDF):
    def __init__(self, view: DocumentView) -> None:
        super().__init__(format="A4", unit="mm")
        self.core_fonts_encoding = ENCODING
        self.set_margins(LEFT, 20, 210 - RIGHT)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(_text(f"{view.title} {view.document.label}"))
        self.set_author(_text(view.seller["name"]))
        self.set_creator("Consonance")
        self.set_lang(view.language)
        self.set_creation_date(view.document.created_at)  # the same document, the same bytes
        self.add_page()

    def write_line(self, text: str, *, size: float = 10, bold: bool = False, muted: bool = False):
        self.set_font("Helvetica", "B" if bold else "", size)
        self.set_text_color(*(MUTED if muted else INK))
        line = _text(text)
        if self.get_string_width(line) < self.epw:  # one line: a cell (multi_cell is slower)
            self.cell(0, size * 0.5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(0, size * 0.5, line, new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows: list[tuple[str, str]], *, x: float, label_width: float) -> None:
        for label, value in rows:
            self.set_x(x)
            self.set_font("Helvetica", "", 10)
            self.set_text_color(*MUTED)
            self.cell(label_width, 5.5, _text(label))
            self.set_text_color(*INK)
            self.cell(0, 5.5, _text(value), new_x="LMARGIN", new_y="NEXT")

    def amount_row(self, label: str, value: str, *, bold: bool = False, rule: bool = True) -> None:
        self.set_font("Helvetica", "B" if bold else "", 10)
        self.set_text_color(*INK)
        self.cell(WIDTH - AMOUNT_WIDTH, 7, _text(label), align="R")
        self.cell(AMOUNT_WIDTH, 7, _text(value), align="R", new_x="LMARGIN", new_y="NEXT")
        if rule:
            self.rule()

    def rule(self, width: float = 0.2) -> None:
        self.set_draw_color(*(INK if width > 0.3 else LINE))
        self.set_line_width(width)
        self.line(LEFT, self.get_y(), RIGHT, self.get_y())


def _header(pdf: _Page, view: DocumentView) -> None:
    top = pdf.get_y()
    pdf.write_line(str(view.seller["name"]), size=11, bold=True)
    for line in str(view.seller["address"] or "").splitlines():
        pdf.write_line(line)
    pdf.write_line(str(view.seller["email"]))
    below_seller = pdf.get_y()
    pdf.set_xy(115, top)
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_text_color(*INK)
    pdf.cell(0, 9, _text(view.title), new_x="LMARGIN", new_y="NEXT")
    pdf.pairs(view.facts, x=115, label_width=32)
    pdf.set_y(max(pdf.get_y(), below_seller) + 10)


def _lines(pdf: _Page, view: DocumentView) -> None:
    pdf.write_line(_("Köpare"), size=11, bold=True)
    pdf.write_line(view.document.buyer_name)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(WIDTH - AMOUNT_WIDTH, 7, _text(_("Beskrivning")))
    pdf.cell(AMOUNT_WIDTH, 7, _text(_("Belopp")), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.rule()
    pdf.set_font("Helvetica", "", 10)
    top = pdf.get_y()
    description = _text(view.description)
    if pdf.get_string_width(description) < WIDTH - AMOUNT_WIDTH - 2:
        pdf.cell(WIDTH - AMOUNT_WIDTH, 7, description)
    else:
        pdf.multi_cell(WIDTH - AMOUNT_WIDTH, 7, description, new_x="RIGHT", new_y="TOP")
    pdf.cell(AMOUNT_WIDTH, 7, _text(view.total), align="R")
    pdf.set_y(max(pdf.get_y(), top + 7))
    pdf.rule()
    pdf.amount_row(_("Belopp utan moms"), view.net)
    pdf.amount_row(view.vat_label, view.vat)
    pdf.amount_row(view.total_label, view.total, bold=True, rule=False)
    pdf.rule(0.6)
    pdf.ln(4)
    if view.exempt_note:
        pdf.write_line(view.exempt_note, size=9)


def _payment(pdf: _Page, view: DocumentView) -> None:
    pdf.ln(4)
    if view.payment:
        pdf.write_line(_("Betala så här"), size=11, bold=True)
        pdf.pairs(view.payment, x=LEFT, label_width=45)
    else:
        pdf.write_line(view.paid_line, bold=True)


def document_pdf(document: Document) -> bytes:
    """The document as PDF in the active language."""
    view = document_view(document)
    pdf = _Page(view)
    _header(pdf, view)
    _lines(pdf, view)
    _payment(pdf, view)
    pdf.ln(12)
    pdf.write_line(view.footer, size=8.5, muted=True)
    return bytes(pdf.output())


def document_pdf_in(document: Document, language: str) -> tuple[str, bytes]:
    """File name and PDF of the document in `language` ("sv" or "en")."""
    with translation.override(language):
        return document_view(document).filename, document_pdf(document)


CSV_HEADER = (
    "nummer",
    "typ",
    "datum",
    "forfallodag",
    "betald",
    "order",
    "kopare",
    "beskrivning",
    "belopp",
    "moms",
    "momssats",
    "valuta",
    "betalsatt",
    "fil",
)


def documents_zip(year: FiscalYear) -> tuple[bytes, int]:
    """Every invoice and receipt of a fiscal year as PDF in one zip, with a list of them
    (dokument.csv, semicolon-separated as Swedish spreadsheets read it); and how many."""
    found = Document.objects.filter(fiscal_year_start=year.start).order_by("series", "number")
    buffer = io.BytesIO()
    listing = io.StringIO()
    writer = csv.writer(listing, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    count = 0
    stamp = (year.start.year, year.start.month, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in found.iterator(chunk_size=200):
            name, data = document_pdf_in(document, ZIP_LANGUAGE)
            folder = "fakturor" if document.kind == Document.Kind.INVOICE else "kvitton"
            archive.writestr(zipfile.ZipInfo(f"{folder}/{name}", stamp), data)
            writer.writerow(_csv_row(document, f"{folder}/{name}"))
            count += 1
        info = zipfile.ZipInfo("dokument.csv", stamp)
        archive.writestr(info, "\ufeff" + listing.getvalue(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), count


def _cell(text: str) -> str:
    """A spreadsheet must not read a name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(document: Document, filename: str) -> list[str]:
    return [
        document.label,
        "faktura" if document.kind == Document.Kind.INVOICE else "kvitto",
        document.issued_on.isoformat(),
        document.due_on.isoformat() if document.due_on else "",
        document.paid_on.isoformat() if document.paid_on else "",
        document.order_reference,
        _cell(document.buyer_name),
        _cell(document.description),
        f"{document.amount:.2f}".replace(".", ","),
        f"{document.vat_amount:.2f}".replace(".", ","),
        f"{document.vat_rate:.2f}".replace(".", ","),
        document.currency,
        document.method,
        filename,
    ]
