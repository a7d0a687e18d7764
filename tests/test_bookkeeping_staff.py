"""The coach's "Bokföring" pages: vouchers by year and series, detail, SIE download, verifying an
uploaded file, and the VAT summary per month and quarter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.bookkeeping.sie_reader import read_sie
from consonance.payments.ledger import order_record_refund
from tests.factories import paid_order

pytestmark = pytest.mark.django_db

FIXTURE = Path("/work/shared/fixtures/sie/Bokslut_Norstedts_SIE_4E.se")


@pytest.fixture
def year_of_payments(settings):
    settings.SELLER_ORGANISATION_NUMBER = "556677-8899"
    card = paid_order(method="card", at=dt.datetime(2026, 1, 20, 10, tzinfo=dt.UTC))
    paid_order(method="swish", at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC))
    paid_order(
        method="bankgiro",
        amount="1500.00",
        vat_rate="0",
        at=dt.datetime(2026, 5, 5, 10, tzinfo=dt.UTC),
    )
    order_record_refund(
        order_id=card.pk,
        amount=Decimal("900.00"),
        provider="stripe",
        provider_event_id="refund:re_x",
        actor=SYSTEM,
        at=dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC),
    )
    paid_order(method="card", at=dt.datetime(2025, 12, 30, 10, tzinfo=dt.UTC))
    return card


def test_vouchers_are_listed_by_year_and_shown_in_detail(staff_client, year_of_payments):
    page = staff_client.get("/staff/bookkeeping/?ar=2026").content.decode()
    assert page.count('href="/staff/bookkeeping/') >= 4
    assert "4 verifikationer" in page and "Klara Ek" in page
    assert "/staff/bookkeeping/sie/2026.se" in page
    older = staff_client.get("/staff/bookkeeping/?ar=2025").content.decode()
    assert "1 verifikation," in older
    refund = Voucher.objects.get(kind="refund")
    detail = staff_client.get(f"/staff/bookkeeping/{refund.pk}/").content.decode()
    assert refund.refers_to.label in detail and "Återbetalning" in detail
    assert staff_client.get("/staff/bookkeeping/999999/").status_code == 404
    assert staff_client.get("/staff/bookkeeping/?ar=abc&serie=x").status_code == 200
    # A NUL anywhere in the address is refused before any page (issue 12: PostgreSQL refuses it).
    assert staff_client.get("/staff/bookkeeping/?ar=abc&serie=%00").status_code == 400


def test_the_sie_download_verifies_with_a_matching_checksum(staff_client, year_of_payments):
    response = staff_client.get("/staff/bookkeeping/sie/2026.se")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bokforing-2026.se"'
    result = read_sie(response.content, "bokforing-2026.se")
    assert result.valid and result.ksumma == "ok" and len(result.vouchers) == 4


def test_the_sie_download_without_an_organisation_number_explains(staff_client, settings):
    settings.SELLER_ORGANISATION_NUMBER = ""
    response = staff_client.get("/staff/bookkeeping/sie/2026.se", follow=True)
    assert "CONSONANCE_ORGANISATION_NUMBER" in response.content.decode()


def test_an_uploaded_sie_file_is_verified_on_the_page(staff_client):
    good = SimpleUploadedFile("b.se", FIXTURE.read_bytes())
    page = staff_client.post("/staff/bookkeeping/verify/", {"file": good}).content.decode()
    assert "Filen är giltig" in page and "stämmer" in page and "177" in page
    changed = FIXTURE.read_bytes().replace(b"2941 {}      17240", b"2941 {}      17241", 1)
    bad = SimpleUploadedFile("b.se", changed)
    page = staff_client.post("/staff/bookkeeping/verify/", {"file": bad}).content.decode()
    assert "Filen har fel" in page and "balanserar inte" in page
    empty = staff_client.post("/staff/bookkeeping/verify/", {}).content.decode()
    assert "errorlist" in empty


def test_the_vat_page_gives_the_figures_of_the_vat_return(staff_client, year_of_payments):
    page = staff_client.get("/staff/bookkeeping/vat/?period=2026-k1").content.decode()
    # Q1: card 900 sold and refunded, Swish 900 sold: 720 net, 180 VAT; Q2: 1 500 exempt.
    assert "Momsdeklaration för kvartal 1 2026" in page
    q2 = page.split("kvartal 2 2026</a>")[1].split("</tr>")[0]
    assert "1\xa0500 kr" in q2
    assert "kvartal 4 2026" in page and "2026-01" not in page
