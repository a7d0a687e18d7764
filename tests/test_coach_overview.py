"""The coach's overview, week calendar and private calendar feed; her notification e-mails."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from consonance.audit.models import Event as AuditEvent
from consonance.audit.services import SYSTEM
from consonance.booking.models import CalendarFeed
from consonance.booking.tokens import booking_token
from consonance.payments.models import Refund
from consonance.rights.models import Request
from consonance.rights.services import request_record
from tests.factories import STAFF_EMAIL, book_by_bankgiro, confirmed_booking, pay, staff_mail

pytestmark = pytest.mark.django_db

TODAY_14 = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # Monday 14:00 in Stockholm
TUESDAY_11 = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)
THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
AFTER_DST = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 30 March 09:00 summer time


@pytest.fixture
def coach(settings, practice):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    return practice


def test_the_overview_shows_today_this_week_and_what_waits_with_deadlines(staff_client, coach):
    video, _ = coach
    confirmed_booking(video, TODAY_14, first="Astrid", join_url="https://video.example/rum")
    confirmed_booking(video, TUESDAY_11, first="Britta", email="britta@example.se")
    confirmed_booking(video, NEXT_MONDAY, first="Cecilia", email="cecilia@example.se")
    paid = confirmed_booking(video, None, first="Doris", email="doris@example.se")
    Refund.objects.create(
        order=paid.order, amount=Decimal("450.00"), reason="cancelled", status="manual"
    )
    request_record(person=paid.person, kind=Request.Kind.ACCESS, actor=SYSTEM, done=False)

    page = staff_client.get("/staff/").content.decode()
    today = page.split('id="idag"')[1].split("</section>")[0]
    week = page.split('id="veckan"')[1].split("</section>")[0]
    waiting = page.split('id="vantar"')[1].split("</section>")[0]
    assert "14:00" in today and "Astrid" in today and "Öppna videosamtalet" in today
    assert "Britta" in week and "Cecilia" not in page
    assert "måndag 16 mars 2026" in page
    # What waits: the refund (due in 14 days), the request (its legal deadline), the missing link.
    assert "Återbetalning att göra" in waiting and "450,00 kr" in waiting
    assert "Begäran att hantera" in waiting and "Doris" in waiting
    assert "Videolänk saknas" in waiting and "Britta" in waiting
    assert "doris@example.se" not in waiting and "Lindqvist" not in waiting
    # Earliest deadline first: Britta's session tomorrow before the request and the refund.
    assert waiting.index("Videolänk saknas") < waiting.index("Begäran att hantera")


def test_the_week_calendar_places_sessions_on_their_stockholm_day(staff_client, coach):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10, first="Britta")
    late = confirmed_booking(video, AFTER_DST, first="Ella", email="ella@example.se")
    page = staff_client.get("/staff/booking/calendar/").content.decode()
    assert "Vecka 12" in page
    thursday = page.split("torsdag 19 mars")[1].split("</section>")[0]
    assert "10:00" in thursday and f"/staff/booking/{booking.pk}/" in thursday
    after = staff_client.get("/staff/booking/calendar/?vecka=2026-W14").content.decode()
    assert "09:00" in after.split("måndag 30 mars")[1] and f"/staff/booking/{late.pk}/" in after
    assert staff_client.get("/staff/booking/calendar/?vecka=2026-W99").status_code == 404
    assert staff_client.get("/staff/booking/calendar/?vecka=nonsense").status_code == 404


def test_the_calendar_feed_has_a_secret_revocable_address_and_minimal_data(staff_client, coach):
    video, _ = coach
    confirmed_booking(video, THURSDAY_10, first="Britta", last="Berg", email="britta@example.se")
    page = staff_client.post("/staff/booking/calendar-feed/", {"create": "1"}).content.decode()
    url = re.search(r"https://praktik\.example(/kalender/[\w-]+\.ics)", page).group(1)
    assert CalendarFeed.objects.get().token_hash not in url  # only the hash is stored
    assert AuditEvent.objects.filter(action="calendar_feed.created").exists()

    client = Client()  # a phone's calendar: not signed in
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    ics = response.content.decode()
    assert "Britta – Videokonsultation 50 min" in ics and "DTSTART:20260319T090000Z" in ics
    assert "Berg" not in ics and "britta@" not in ics
    assert client.get("/kalender/not-the-secret.ics").status_code == 404

    # A new address voids the old one; revoking voids all.
    page = staff_client.post("/staff/booking/calendar-feed/", {"create": "1"}).content.decode()
    newer = re.search(r"https://praktik\.example(/kalender/[\w-]+\.ics)", page).group(1)
    assert client.get(url).status_code == 404 and client.get(newer).status_code == 200
    staff_client.post("/staff/booking/calendar-feed/", {"revoke": "1"})
    assert client.get(newer).status_code == 404
    assert AuditEvent.objects.filter(action="calendar_feed.revoked").exists()


def test_the_coach_gets_a_short_e_mail_on_booking_payment_and_cancellation(
    client, coach, django_capture_on_commit_callbacks
):
    video, _ = coach
    with django_capture_on_commit_callbacks(execute=True):
        _, booking = book_by_bankgiro(client, video)
    [invoiced] = staff_mail()
    assert invoiced.subject.startswith("Ny bokning (väntar på betalning): Astrid")
    assert f"https://praktik.example/staff/booking/{booking.pk}/" in invoiced.body
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking.order)
    assert staff_mail()[-1].subject.startswith("Ny bokning, betald: Astrid")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/boka/avboka/{booking_token(booking, 'cancel')}/")
    assert staff_mail()[-1].subject.startswith("Avbokning: Astrid")
    for message in staff_mail():
        assert "Lindqvist" not in message.body and "astrid1@" not in message.body
    assert len(staff_mail()) == 3 and len(mail.outbox) > 3
