"""A Bankgiro booking gets a lawful invoice, a card payment a receipt; both are linked from the
client's booking page and e-mail, numbered, with the seller's details and Swedish amounts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from consonance.booking.models import Booking
from consonance.bookkeeping.models import Document, Voucher
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from tests.factories import BANKGIRO, NOW, form, paid_order, sent_to, slot_links

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https://praktik\.example(/dokument/[^/\s]+/)")


@pytest.fixture
def practice(practice, settings):
    """The Bankgiro practice of tests/factories/, with the seller's details set."""
    settings.SELLER_ORGANISATION_NUMBER = "5566778899"
    settings.SELLER_NAME = "Consonance Communication"
    return practice


def test_a_bankgiro_booking_gets_a_simplified_invoice_linked_from_page_and_mail(client, practice):
    video, _ = practice
    page = client.get(f"/boka/{video.pk}/?sida=1").content.decode()
    response = client.post(slot_links(page, video)[0], form("bankgiro", 1))
    booking = Booking.objects.get(person__email="astrid1@example.se")
    order = booking.order
    invoice = Document.objects.get(order=order, kind="invoice")
    assert (invoice.series, invoice.number) == ("F", 1)
    assert invoice.issued_on == NOW.date() and invoice.due_on == order.due_date
    assert invoice.ocr_reference == order.ocr_reference and invoice.bankgiro == BANKGIRO
    assert invoice.vat_amount == Decimal("180.00")

    status = client.get(response["Location"]).content.decode()
    path = LINK.search(sent_to("astrid1@example.se")[0].body).group(1)
    # Signed anew on each page (the time is part of the token): the document's part must match.
    assert path.split(":")[0] + ":" in status and f"Faktura {invoice.label}" in status

    html = client.get(path).content.decode()
    assert "Förenklad faktura" in html
    for expected in (
        "Consonance Communication",
        "556677-8899",
        "SE556677889901",
        "Godkänd för F-skatt",
        "900,00 kr",
        "720,00 kr",
        "180,00 kr",
        "Moms 25 %",
        order.ocr_reference,
        BANKGIRO,
        "16 mars 2026",
        invoice.label,
        "Fakturadatum",
        "Förfallodag",
    ):
        assert expected in html, expected
    # Paying the invoice books the payment and issues no receipt (the invoice is the document).
    data = write_bgmax(
        [DepositInput(NOW.date(), serial=1, payments=[(order.ocr_reference, order.amount)])]
    )
    bankgiro_import(data=data, filename="bg.txt", dry_run=False, actor="system")
    assert Voucher.objects.filter(order=order, kind="payment").count() == 1
    assert not Document.objects.filter(order=order, kind="receipt").exists()
    confirmation = sent_to("astrid1@example.se")[-1]
    # The same document; its link is signed anew, so only the part before the time may match.
    assert "bekräftad" in confirmation.body and path.split(":")[0] + ":" in confirmation.body


def test_a_card_payment_gets_a_receipt_with_its_own_number(client, practice):
    first = paid_order(method="card", at=NOW)
    second = paid_order(method="swish", at=NOW)
    receipts = list(Document.objects.filter(kind="receipt").order_by("number"))
    assert [(r.order_id, r.number, r.series) for r in receipts] == [
        (first.pk, 1, "K"),
        (second.pk, 2, "K"),
    ]
    from consonance.bookkeeping.documents import document_url

    path = document_url(receipts[0]).removeprefix("https://praktik.example")
    html = client.get(path).content.decode()
    assert "Kvitto" in html and "Betalt 16 mars 2026 med Kort" in html
    assert "Klara Ek" in html and "900,00 kr" in html
    english = client.get("/en" + path.replace("/dokument/", "/documents/")).content.decode()
    assert "Receipt" in english and "Paid 16 March 2026 by Card" in english


def test_a_forged_or_malformed_document_link_is_404(client, practice):
    assert client.get("/dokument/forged/").status_code == 404
    assert client.get("/dokument/" + "x" * 300 + "/").status_code == 404
    assert mail.outbox == []
