"""A site that speaks like the coach: her own pages, Swedish formats, no raw codes, kind errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from consonance.audit.models import Event as AuditEvent
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.lib.markup import render_markdown
from consonance.lib.money import format_amount
from consonance.payments.models import Order, Refund
from consonance.web.models import SitePage
from consonance.web.views import server_error
from tests.factories import confirmed_booking

pytestmark = pytest.mark.django_db

THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)

# What must never show in a rendered page: Django's English defaults, raw codes, foreign formats.
LEAKS = [
    re.compile(p)
    for p in (
        r"Select an option",
        r"---------",
        r"\b(refund_requested|refund_to_coach|payment_started|invoiced|no_show|test_hello)\b",
        r"\b\d+\.\d\d (kr|SEK)\b",
        r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b",
        r"\b\d+ betalningar\b",
        r"\bNone\b",
        r"\bSortering\b",  # Django's own Swedish for the msgid "Order"
    )
]


def leaks(html: str) -> list[str]:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r'(value|href|action|src)="[^"]*"', "", text)
    return [m.group(0) for pattern in LEAKS for m in pattern.finditer(text)]


def test_amounts_read_as_in_sweden_and_in_english():
    assert format_amount(Decimal("900")) == "900,00 kr"
    assert format_amount(Decimal("1800.5")) == "1\u00a0800,50 kr"  # thousands never split
    assert format_amount(Decimal("1800.5"), "en") == "SEK 1,800.50"
    assert format_amount(None) == ""


def test_markdown_of_the_coach_cannot_inject_html():
    html = str(
        render_markdown(
            "# Om mig\n\nHej **du** och *du*.\n\n- ett\n- två\n\n<script>alert(1)</script> "
            '[länk](https://ex.se) [dålig](javascript:alert(1)) <img src=x onerror="x">'
        )
    )
    assert "<h2>Om mig</h2>" in html and "<strong>du</strong>" in html and "<em>du</em>" in html
    assert "<ul><li>ett</li><li>två</li></ul>" in html
    assert '<a href="https://ex.se">länk</a>' in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_the_home_page_shows_her_text_services_and_prices_in_both_languages(
    client, staff_client, practice
):
    page = client.get("/").content.decode()
    assert "Videokonsultation 50 min" in page and "900,00 kr" in page and "1\u00a0500,00 kr" in page
    assert "contact@consonancecommunication.com" in page
    assert client.get("/om-mig/").status_code == 404
    response = staff_client.post(
        "/staff/web/pages/about/",
        {
            "title_sv": "Om mig",
            "body_sv": "Jag heter **Lina**.",
            "title_en": "About me",
            "body_en": "",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="site_page.saved").exists()
    assert "<strong>Lina</strong>" in client.get("/om-mig/").content.decode()
    english = client.get("/en/about/").content.decode()
    assert "About me" in english and "<strong>Lina</strong>" in english  # falls back to Swedish
    assert "SEK 900.00" in client.get("/en/").content.decode()
    assert staff_client.post("/staff/web/pages/about/", {"title_sv": ""}).status_code == 400
    assert staff_client.get("/staff/web/pages/nope/").status_code == 404
    assert SitePage.objects.count() == 1


def test_a_dead_link_gets_a_friendly_page_in_the_visitors_language(client, practice):
    sv = client.get("/boka/avboka/not-a-token/")
    assert sv.status_code == 404 and "Sidan finns inte" in sv.content.decode()
    assert "Boka en tid" in sv.content.decode()
    en = client.get("/en/book/cancel/not-a-token/")
    assert en.status_code == 404 and "Page not found" in en.content.decode()


def test_the_error_page_is_branded_and_bilingual():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Något gick fel" in html and "Something went wrong" in html
    assert "Consonance Communication" in html


def test_no_page_leaks_english_defaults_raw_codes_or_foreign_formats(
    client, staff_client, practice
):
    video, email_service = practice
    booking = confirmed_booking(video, THURSDAY_10, method=Order.Method.BANKGIRO)
    Refund.objects.create(
        order=booking.order, amount=Decimal("900"), reason="cancelled", status="manual"
    )
    held = Booking.objects.create(service=email_service, person=booking.person, language="sv")
    pages = [
        "/staff/",
        "/staff/booking/",
        "/staff/booking/calendar/",
        f"/staff/booking/{booking.pk}/",
        f"/staff/booking/{held.pk}/",
        "/staff/booking/new/",
        "/staff/booking/calendar-feed/",
        "/staff/booking/services/",
        "/staff/payments/",
        f"/staff/payments/{booking.order.pk}/",
        "/staff/payments/refunds/",
        "/staff/web/pages/",
        "/staff/web/clients/",
        f"/staff/web/clients/{booking.person_id}/",
    ]
    public = [
        "/",
        "/boka/",
        f"/boka/{video.pk}/",
        f"/boka/{email_service.pk}/",
        f"/boka/bokning/{booking_token(booking, 'status')}/",
        f"/boka/avboka/{booking_token(booking, 'cancel')}/",
        f"/boka/flytta/{booking_token(booking, 'move')}/",
    ]
    with translation.override("en"):
        english = [
            reverse("home"),
            reverse("booking-service", args=[video.pk]),
            reverse("booking-status", args=[booking_token(booking, "status")]),
            reverse("booking-cancel", args=[booking_token(booking, "cancel")]),
            reverse("booking-move", args=[booking_token(booking, "move")]),
        ]
    assert all(url.startswith("/en/") for url in english)
    for url in pages + public + english:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert leaks(response.content.decode()) == [], url
