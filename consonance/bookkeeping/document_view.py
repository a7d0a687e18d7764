"""What an invoice or receipt says, in the reader's language: one source for its web page, its
PDF (bookkeeping/pdf.py) and the accountant's zip, so that the three never differ.

Amounts and dates are formatted here (lib.money.format_amount, Django's localised date format)
for the language that is active when `document_view` is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from consonance.bookkeeping.documents import is_simplified, seller
from consonance.bookkeeping.models import Document
from consonance.lib.i18n import current_language
from consonance.lib.money import format_amount


@dataclass(frozen=True)
class DocumentView:
    """A document as its reader sees it: every value already formatted and translated."""

    document: Document
    language: str
    title: str
    seller: dict[str, object]
    facts: list[tuple[str, str]]  # number, dates, order number (label, value)
    description: str
    net: str
    vat_label: str
    vat: str
    total_label: str
    total: str
    exempt_note: str
    payment: list[tuple[str, str]]  # an invoice: how to pay (label, value)
    paid_line: str  # a receipt: when and how it was paid
    footer: str

    @property
    def filename(self) -> str:
        kind = _("faktura") if self.document.kind == Document.Kind.INVOICE else _("kvitto")
        return f"{kind}-{self.document.label}.pdf"


def _day(value) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _title(document: Document) -> str:
    if document.kind != Document.Kind.INVOICE:
        return _("Kvitto")
    return _("Förenklad faktura") if is_simplified(document) else _("Faktura")


def _footer(who: dict[str, object]) -> str:
    parts = [str(who["name"])]
    if who["organisation_number"]:
        parts.append(_("Org.nr %(number)s") % {"number": who["organisation_number"]})
    if who["vat_number"]:
        parts.append(_("Momsreg.nr %(number)s") % {"number": who["vat_number"]})
    if who["f_skatt"]:
        parts.append(_("Godkänd för F-skatt"))
    return " · ".join(parts)


def document_view(document: Document) -> DocumentView:
    """The document in the active language (the page's, or the one a mail or zip overrides)."""
    language = current_language()
    who = seller()
    currency = document.currency
    invoice = document.kind == Document.Kind.INVOICE
    facts = [
        (_("Nummer"), document.label),
        (_("Fakturadatum") if invoice else _("Datum"), _day(document.issued_on)),
    ]
    if document.due_on:
        facts.append((_("Förfallodag"), _day(document.due_on)))
    facts.append((_("Ordernummer"), document.order_reference))
    total = format_amount(document.amount, language, currency)
    payment: list[tuple[str, str]] = []
    paid_line = ""
    if invoice:
        payment = [
            (_("Bankgiro"), document.bankgiro),
            (_("OCR-nummer"), document.ocr_reference),
            (_("Belopp"), total),
        ]
        if document.due_on:
            payment.append((_("Sista betalningsdag"), _day(document.due_on)))
    else:
        paid_line = _("Betalt %(date)s med %(method)s.") % {
            "date": _day(document.paid_on),
            "method": document.method_label,
        }
    rate = formats.number_format(document.vat_rate, 0)
    return DocumentView(
        document=document,
        language=language,
        title=_title(document),
        seller=who,
        facts=facts,
        description=document.local_description,
        net=format_amount(document.amount - document.vat_amount, language, currency),
        vat_label=_("Moms %(rate)s %%") % {"rate": rate} if document.vat_rate else _("Moms"),
        vat=format_amount(document.vat_amount, language, currency),
        total_label=_("Att betala") if invoice else _("Totalt"),
        total=total,
        exempt_note=""
        if document.vat_rate
        else _(
            "Momsfri tjänst: undantagen från skatteplikt enligt 10 kap. "
            "mervärdesskattelagen (2023:200)."
        ),
        payment=payment,
        paid_line=paid_line,
        footer=_footer(who),
    )
