"""Issue 17 in headless Chromium: an English visitor pays by card and stays in English (return
page, receipt, its PDF, the card kept); the coach downloads her year's receipts and invoices as a
zip, reads the VAT page in English, and uses her pages on a phone (the menu folds, no codes)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from consonance.booking.models import Booking
from consonance.payments.providers.stripe.fake import StripeFake
from tests.factories import NOW, coach_signs_in, make_practice, paid_order
from tests.factories import page_go as go
from tests.factories import page_shows as shows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(tab, live_server, settings) -> Page:
    settings.SITE_URL = live_server.url
    settings.BANKGIRO_NUMBER = ""
    settings.VIDEO_LINK = "https://video.example/rum"
    for name in ("PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.SELLER_ORGANISATION_NUMBER = "5566778899"
    tab.base = live_server.url
    return tab


def downloaded(browser: Page, selector: str) -> tuple[str, bytes]:
    with browser.expect_download() as info:
        browser.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def pdf_text(data: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_an_english_visitor_pays_by_card_and_reads_english_down_to_her_receipts_pdf(
    browser, live_server, settings
):
    with StripeFake() as stripe:
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.url
        video, _ = make_practice()
        video.name_en = "Video session 50 min"
        video.save()
        go(browser, f"/en/book/{video.pk}/?sida=1")
        browser.click("ul.slots a")
        shows(browser, "First name")
        browser.fill("input[name=first_name]", "Alice")
        browser.fill("input[name=last_name]", "Brown")
        browser.fill("input[name=email]", "alice@example.com")
        browser.click("input[name=method][value=card]")
        browser.click("main form button[type=submit]")
        browser.wait_for_url("**/c/pay/**")
        booking = Booking.objects.get()
        session_id = booking.order.provider_ref
        # She pays; Stripe's event names the payment intent by id, and sends her back.
        body, headers = stripe.complete_session(session_id, card_last4="1881")
        answer = httpx.post(
            live_server.url + "/payments/webhooks/stripe/",
            content=body,
            headers={"Stripe-Signature": headers["Stripe-Signature"]},
        )
        assert answer.status_code == 200
        browser.goto(stripe.success_url(session_id))
        page = shows(browser, "Confirmed")
        assert browser.url.startswith(live_server.url + "/en/")
        assert "Video session 50 min" in page and "Bekräftad" not in page
        booking.order.refresh_from_db()
        assert booking.order.card_last4 == "1881" and booking.order.card_expiry == "12/2030"

        browser.click("text=Receipt K2026-1")
        receipt = shows(browser, "Paid")
        assert "Video session 50 min" in receipt and "SEK 900.00" in receipt
        assert "Videokonsultation" not in receipt and " kr" not in receipt
        name, data = downloaded(browser, "a.download")
        assert name == "receipt-K2026-1.pdf"
        text = pdf_text(data)
        for field in ("Receipt", "K2026-1", "Alice Brown", "Video session 50 min", "SEK 720.00"):
            assert field in text and field in receipt


def test_the_coach_takes_her_years_documents_for_the_accountant_and_reads_vat_in_english(
    browser, staff_user
):
    paid_order(method="card", at=NOW, amount="15840.00")
    paid_order(method="swish", at=NOW)
    coach_signs_in(browser, browser.base, staff_user)
    go(browser, "/staff/bookkeeping/?ar=2026")
    shows(browser, "Kvitton och fakturor 2026 som PDF (zip, 2 dokument)")
    name, data = downloaded(browser, "#documents-zip")
    assert name == "kvitton-och-fakturor-2026.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert "kvitton/kvitto-K2026-1.pdf" in archive.namelist()
    assert "15 840,00 kr" in pdf_text(archive.read("kvitton/kvitto-K2026-1.pdf"))

    browser.click("button[name=language][value=en]")
    browser.wait_for_load_state()
    go(browser, "/staff/bookkeeping/moms/?period=2026-k1")  # the quarter of NOW
    vat = shows(browser, "SEK 13,392.00")  # 15 840 + 900 kr at 25 % VAT: 13 392 net
    assert not re.search(r"\d kr\b", vat)  # amounts in English: SEK 13,392.00, never "… kr"


def test_on_a_phone_the_staff_menu_folds_and_her_pages_speak_in_words(
    browser, staff_user, tmp_path
):
    coach_signs_in(browser, browser.base, staff_user)
    go(browser, "/staff/semester/")
    menu = browser.locator("details.staff-menu")
    calendar = menu.locator("a", has_text="Kalender")
    assert calendar.is_visible() and not menu.locator("summary").is_visible()  # wide: all there
    text = browser.inner_text("body")
    assert "P16" not in text and "P17" not in text

    browser.set_viewport_size({"width": 390, "height": 844})
    header = browser.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] < 130  # one line: the name, "Meny", English
    assert not calendar.is_visible()
    browser.screenshot(path=str(tmp_path / "staff-menu-390.png"))
    browser.click("details.staff-menu summary")
    expect(calendar).to_be_visible()
    calendar.click()
    browser.wait_for_url("**/kalender/**")
