"""Busy times from the coach's own calendars: she pastes a private ICS address, the worker reads
it (RRULE, EXDATE, TZID, all-day, TRANSP), and the slots that overlap a busy time are not offered.
Only start, end and busy/free are stored; the address is a secret, never logged, shown masked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from consonance.audit.models import Event as AuditEvent
from consonance.booking import busy, selectors
from consonance.booking.models import BusyCalendar, BusyTime
from consonance.booking.tasks import booking_busy_calendars_task
from tests.factories import NOW, OWN_CALENDAR

pytestmark = pytest.mark.django_db

SECRET = "/calendar/ical/anna%40example.se/private-9f3c2a7d1e/basic.ics"


def _starts(video) -> set[datetime]:
    return {slot.start for slot in selectors.free_slots(video, now=NOW)}


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_she_pastes_her_address_and_busy_times_block_the_slots(
    staff_client, practice, calendar_server, caplog
):
    video, _ = practice
    before = _starts(video)
    address = calendar_server.serve(SECRET, OWN_CALENDAR)
    caplog.set_level(logging.DEBUG)
    response = staff_client.post(
        "/staff/booking/busy-calendars/",
        {"label": "Google privat", "address": address},
        follow=True,
    )
    page = response.content.decode()
    assert "Kalendern är läst: 9 upptagna tider blockerar bokningar." in page
    # Shown masked only: the host and the last characters, never the secret part.
    assert "127.0.0.1/….ics" in page and "private-9f3c2a7d1e" not in page
    after = _starts(video)
    # The weekly meeting, Wednesday 18 March 10-12 Stockholm (9-11 UTC), with the buffer.
    assert _utc(18, 8, 30) not in after and _utc(18, 10, 30) not in after
    assert _utc(18, 8) in after and _utc(18, 11, 30) in after
    # EXDATE: not on 25 March.
    assert _utc(25, 9) in after
    # New York 09:00 on 19 March is 14:00 in Stockholm (13:00 UTC).
    assert _utc(19, 13) in before and _utc(19, 13) not in after
    # The all-day event closes Friday 20 March; the free time on Tuesday blocks nothing.
    assert not [s for s in after if s.date() == datetime(2026, 3, 20).date()]
    assert {s for s in before if s.date() == datetime(2026, 3, 17).date()} <= after
    # Only start, end and busy/free are stored: no title, place or description anywhere.
    assert [f.name for f in BusyTime._meta.get_fields()] == [
        "id",
        "calendar",
        "starts_at",
        "ends_at",
        "busy",
    ]
    free = BusyTime.objects.get(busy=False)
    assert (free.starts_at, free.ends_at) == (_utc(17, 8), _utc(17, 16))
    calendar = BusyCalendar.objects.get()
    assert b"private-9f3c2a7d1e" not in bytes(calendar.address_ciphertext)
    assert (calendar.busy_count, calendar.free_count) == (9, 1)
    assert AuditEvent.objects.filter(action="busy_calendar.added").exists()
    # The address is never logged (nor its secret part).
    assert "9f3c2a7d1e" not in caplog.text


def test_the_worker_reads_again_and_a_cancelled_meeting_frees_its_slot(practice, calendar_server):
    video, _ = practice
    address = calendar_server.serve(SECRET, OWN_CALENDAR)
    busy.calendar_add(address=address, label="", actor="test")
    assert booking_busy_calendars_task.call() == 1
    assert _utc(19, 13) not in _starts(video)
    calendar_server.serve(
        SECRET, OWN_CALENDAR.replace("UID:newyork@test", "UID:newyork@test\r\nSTATUS:CANCELLED")
    )
    booking_busy_calendars_task.call()
    assert _utc(19, 13) in _starts(video)
    # The client cannot book (nor move into) a busy time either: one answer for offer and booking.
    assert not selectors.slot_bookable(
        video, _utc(18, 9), now=NOW, settings=selectors.PracticeSettings.load()
    )


@pytest.mark.parametrize(
    ("serve", "words"),
    [
        ({"status": 404, "body": "nope"}, "Kalendern finns inte på adressen (svar 404)"),
        ({"status": 403, "body": "no"}, "Kalendern nekade åtkomst (svar 403)"),
        ({"status": 200, "body": "<html>inloggning</html>"}, "Adressen gav ingen kalenderfil"),
        (
            {"status": 200, "body": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:rubbish"},
            "Adressen gav ingen kalenderfil",
        ),
        ({"status": 200, "body": OWN_CALENDAR * 3, "too_large": True}, "större än 5 MB"),
        (
            {"status": 200, "body": OWN_CALENDAR.replace("FREQ=WEEKLY;BYDAY=WE", "FREQ=MINUTELY")},
            "fler än 20 000 händelser",
        ),
        ({"status": 200, "body": OWN_CALENDAR, "delay": 1.5}, "svarade inte inom tio sekunder"),
    ],
)
def test_a_failed_read_is_told_in_words_and_keeps_the_earlier_times(
    staff_client, practice, calendar_server, monkeypatch, serve, words, caplog
):
    address = calendar_server.serve(SECRET, OWN_CALENDAR)
    calendar = busy.calendar_add(address=address, label="iCloud", actor="test")
    assert busy.calendar_read(calendar_id=calendar.pk)
    calendar_server.serve(
        SECRET, serve["body"], status=serve["status"], delay=serve.get("delay", 0)
    )
    if serve.get("too_large"):
        monkeypatch.setattr(busy, "MAX_BYTES", len(OWN_CALENDAR) * 2)
    monkeypatch.setattr(busy, "TIMEOUT", 0.5)
    caplog.set_level(logging.DEBUG)
    response = staff_client.post(f"/staff/booking/busy-calendars/{calendar.pk}/read/", follow=True)
    page = response.content.decode()
    assert words in page
    assert BusyTime.objects.filter(calendar=calendar, busy=True).count() == 9  # kept
    assert "9f3c2a7d1e" not in caplog.text and "9f3c2a7d1e" not in page


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("", "This field is required"),
        ("ftp://example.se/cal.ics", "ska börja med https://"),
        ("inte en adress", "ser inte ut som en webbadress"),
    ],
)
def test_a_bad_address_is_refused_with_a_reason(staff_client, practice, address, words):
    response = staff_client.post("/staff/booking/busy-calendars/", {"address": address})
    assert response.status_code == 400
    if not words.startswith("This"):
        assert words in response.content.decode()
    assert not BusyCalendar.objects.exists()


def test_webcal_is_read_as_https_and_removing_a_calendar_frees_its_times(
    staff_client, practice, calendar_server
):
    assert busy.address_normalise("webcal://p52-caldav.icloud.com/published/2/abc") == (
        "https://p52-caldav.icloud.com/published/2/abc"
    )
    video, _ = practice
    calendar = busy.calendar_add(
        address=calendar_server.serve(SECRET, OWN_CALENDAR), label="", actor="t"
    )
    busy.calendar_read(calendar_id=calendar.pk)
    assert _utc(19, 13) not in _starts(video)
    staff_client.post(f"/staff/booking/busy-calendars/{calendar.pk}/remove/")
    assert not BusyTime.objects.exists() and _utc(19, 13) in _starts(video)


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_an_own_calendar_whose_busy_times_block_slots(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo", stdout=StringIO())
    calendar = BusyCalendar.objects.get()
    assert "Demokalender" in calendar.label and calendar.read_ok_at and calendar.busy_count > 0
    assert busy.calendar_address(calendar).endswith("/static/booking/demo-calendar.ics")
    video = selectors.services_bookable().filter(kind="video").first()
    offered = selectors.free_slots(video)
    spans = list(BusyTime.objects.filter(busy=True))
    assert spans and not [
        s for s in offered for t in spans if s.start < t.ends_at and s.end > t.starts_at
    ]
