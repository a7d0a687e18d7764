"""Holidays close booking (offer, booking, client move), the coach confirms an unusual time before
anything is sent, and the client's calendar follows a move (SEQUENCE) and a cancellation
(METHOD:CANCEL); reminders greet her by name with labelled links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from consonance.audit.services import SYSTEM
from consonance.booking import changes, selectors, services
from consonance.booking.models import Booking
from consonance.booking.time_checks import NeedsConfirmation
from consonance.booking.tokens import booking_token
from consonance.privacy.holidays import holiday_add
from tests.factories import STAFF_EMAIL, confirmed_booking, sent_to

pytestmark = pytest.mark.django_db

THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)  # 10:00 Stockholm
MONDAY_23_10 = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def coach(settings, practice):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    return practice


def _holiday() -> None:
    holiday_add(first_day=date(2026, 3, 23), last_day=date(2026, 3, 27), actor=SYSTEM)


def _ics(message) -> tuple[Calendar, str]:
    [(name, content, mimetype)] = message.attachments
    assert name == "konsultation.ics"
    return Calendar.from_ical(content), mimetype


def test_holiday_days_are_not_offered_nor_bookable_nor_a_client_move(client, coach):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10)
    assert any(s.start.date() == date(2026, 3, 23) for s in selectors.free_slots(video))
    _holiday()
    slots = selectors.free_slots(video)
    assert not [s for s in slots if date(2026, 3, 23) <= s.start.date() <= date(2026, 3, 27)]
    assert any(s.start.date() == date(2026, 3, 30) for s in slots)
    # The booking page offers none of those days, and a start typed by hand is refused.
    page = client.get(f"/boka/{video.pk}/?sida=2").content.decode()
    assert "20260323T" not in page and "20260330T" in page
    # Nor can the client move her session into the holiday.
    move = client.get(f"/boka/flytta/{booking_token(booking, 'move')}/").content.decode()
    assert "20260323T" not in move
    with pytest.raises(services.SlotTaken):
        changes.booking_move(
            booking_id=booking.pk, starts_at=MONDAY_23_10, actor=SYSTEM, by_client=True
        )


def test_the_coach_confirms_a_holiday_or_night_time_before_anything_is_sent(
    staff_client, coach, run_after_commit
):
    video, _ = coach
    _holiday()
    booking = confirmed_booking(video, THURSDAY_10)
    url = f"/staff/booking/{booking.pk}/move/"
    # Monday in her holiday: asked, nothing moved, nothing mailed.
    page = staff_client.post(url, {"day": "2026-03-23", "time": "10:00"}).content.decode()
    assert "Dagen ligger i din semester (23 mars–27 mars)." in page
    assert 'name="confirm" value="2026-03-23T10:00"' in page and "Ja, flytta ändå" in page
    # Sunday 03:00: outside her hours, also asked.
    page = staff_client.post(url, {"day": "2026-03-22", "time": "03:00"}).content.decode()
    assert "Söndag 22 mars kl. 03:00 ligger utanför dina öppettider." in page
    booking.refresh_from_db()
    assert booking.starts_at == THURSDAY_10 and not sent_to("astrid@example.se")
    # A confirmation of another time does not count for this one.
    stale = {"day": "2026-03-22", "time": "03:00", "confirm": "2026-03-23T10:00"}
    assert "utanför dina öppettider" in staff_client.post(url, stale).content.decode()
    # Confirmed: moved and mailed.
    run_after_commit(
        lambda: staff_client.post(
            url, {"day": "2026-03-23", "time": "10:00", "confirm": "2026-03-23T10:00"}
        )
    )
    booking.refresh_from_db()
    assert booking.starts_at == MONDAY_23_10 and len(sent_to("astrid@example.se")) == 1
    # A usual time needs no confirmation.
    with pytest.raises(NeedsConfirmation):
        changes.booking_move(
            booking_id=booking.pk,
            starts_at=datetime(2026, 3, 21, 9, 0, tzinfo=UTC),  # a Saturday
            actor=SYSTEM,
            by_client=False,
        )
    changes.booking_move(
        booking_id=booking.pk,
        starts_at=THURSDAY_10 + timedelta(days=1),
        actor=SYSTEM,
        by_client=False,
    )


def test_a_moved_booking_updates_and_a_cancelled_one_leaves_her_calendar(
    staff_client, coach, run_after_commit
):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10, join_url="https://video.example/rum")
    run_after_commit(
        lambda: changes.booking_move(
            booking_id=booking.pk,
            starts_at=THURSDAY_10 + timedelta(days=1),
            actor=SYSTEM,
            by_client=True,
        )
    )
    run_after_commit(
        lambda: staff_client.post(
            f"/staff/booking/{booking.pk}/move/", {"day": "2026-03-24", "time": "11:00"}
        )
    )
    run_after_commit(lambda: services.booking_cancel(booking_id=booking.pk, actor=SYSTEM))
    first_move, second_move, cancelled = sent_to("astrid@example.se")
    uids = set()
    for message, sequence, method in (
        (first_move, 1, "PUBLISH"),
        (second_move, 2, "PUBLISH"),
        (cancelled, 3, "CANCEL"),
    ):
        calendar, mimetype = _ics(message)
        [event] = calendar.walk("VEVENT")
        uids.add(str(event["UID"]))
        assert int(event["SEQUENCE"]) == sequence
        assert str(calendar["METHOD"]) == method and mimetype == f"text/calendar; method={method}"
        assert "astrid" not in calendar.to_ical().decode().lower()  # no attendee, no name
    assert len(uids) == 1  # one event for the booking's whole life
    [event] = _ics(cancelled)[0].walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Hej Astrid!" in cancelled.body and "tar bort samtalet ur din kalender" in cancelled.body
    assert (
        "Hej Astrid!" in second_move.body and "flyttar samtalet i din kalender" in second_move.body
    )


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_reminder_greets_her_by_name_with_labelled_buttons(coach, language, run_after_commit):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10, first="Anna")
    Booking.objects.filter(pk=booking.pk).update(language=language)
    with time_machine.travel(THURSDAY_10 - timedelta(hours=30), tick=False):
        assert changes.booking_send_reminders(now=THURSDAY_10 - timedelta(hours=30)) == 0
    with time_machine.travel(THURSDAY_10 - timedelta(hours=23), tick=False):
        assert run_after_commit(changes.booking_send_reminders) == 1
    [message] = sent_to("astrid@example.se")
    html = message.alternatives[0][0]
    greeting, move, cancel = {
        "sv": ("Hej Anna!", "Boka om", "Avboka"),
        "en": ("Hello Anna!", "Reschedule", "Cancel booking"),
    }[language]
    assert message.body.startswith(greeting) and greeting in html
    # Within the 24-hour rule she can no longer move it herself: only "Cancel" is offered.
    assert re.search(rf'<a href="https://[^"]+"[^>]*>{cancel}</a>', html)
    assert move not in html
    assert {"sv": "Avboka:", "en": "Cancel:"}[language] in message.body


def test_a_reminder_before_the_rule_offers_both_buttons(coach, settings, run_after_commit):
    settings.REMINDER_HOURS = 48
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10, first="Anna")
    with time_machine.travel(THURSDAY_10 - timedelta(hours=40), tick=False):
        assert run_after_commit(changes.booking_send_reminders) == 1
    [message] = sent_to("astrid@example.se")
    html = message.alternatives[0][0]
    assert re.search(r'<a href="[^"]+/flytta/[^"]+"[^>]*>Boka om</a>', html)
    assert re.search(r'<a href="[^"]+/avboka/[^"]+"[^>]*>Avboka</a>', html)
    assert "Boka om:\nhttps://" in message.body and "Avboka:\nhttps://" in message.body
    assert "/boka/flytta/" in message.body and booking.pk
