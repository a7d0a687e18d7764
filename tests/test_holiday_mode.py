"""Holiday mode (issue 9, P16, P17): the coach sets a period, the reply deadlines pause while it
lasts, and visitors are told so on the home, contact and booking pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.contact.services import message_receive
from consonance.journal.selectors import reply_due
from consonance.lib.time import STOCKHOLM
from consonance.privacy.holidays import (
    HolidayInvalid,
    deadline_due,
    holiday_add,
    holiday_notice,
)
from consonance.privacy.models import HolidayPeriod
from tests.factories import NOW, make_email_consultation, make_practice

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 16)  # NOW's Stockholm date, a Monday


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=STOCKHOLM)


def _holiday(first: dt.date, last: dt.date) -> HolidayPeriod:
    return holiday_add(first_day=first, last_day=last, actor=SYSTEM)


def test_without_a_holiday_the_policy_deadlines_apply():
    start = _at(TODAY)
    assert deadline_due("message-handling", start) == start + dt.timedelta(hours=48)
    assert deadline_due("email-consultation-reply", start) == start + dt.timedelta(weeks=1)


def test_a_holiday_pauses_the_clock_of_a_message_written_just_before_it():
    # Written Monday 09:00; holiday Tuesday to Sunday: 15 hours run before it, 33 after.
    _holiday(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=6))
    due = deadline_due("message-handling", _at(TODAY))
    assert due == _at(TODAY + dt.timedelta(days=7), 0) + dt.timedelta(hours=33)


def test_a_message_written_during_the_holiday_runs_from_its_end():
    _holiday(TODAY, TODAY + dt.timedelta(days=13))
    due = deadline_due("email-consultation-reply", _at(TODAY + dt.timedelta(days=3)))
    assert due == _at(TODAY + dt.timedelta(days=14), 0) + dt.timedelta(weeks=1)


def test_two_holidays_in_one_deadline_both_count():
    _holiday(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=1))
    _holiday(TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=3))
    due = deadline_due("email-consultation-reply", _at(TODAY))
    assert due == _at(TODAY) + dt.timedelta(weeks=1, days=2)


def test_a_holiday_after_the_deadline_changes_nothing():
    _holiday(TODAY + dt.timedelta(days=5), TODAY + dt.timedelta(days=9))
    assert deadline_due("message-handling", _at(TODAY)) == _at(TODAY) + dt.timedelta(hours=48)


def test_legal_deadlines_are_not_extended():
    _holiday(TODAY, TODAY + dt.timedelta(days=13))
    start = _at(TODAY)
    assert deadline_due("journal-request", start) == start + dt.timedelta(days=10)
    assert deadline_due("email-consultation-to-journal", start) == start + dt.timedelta(hours=48)


def test_bad_periods_are_refused():
    with pytest.raises(HolidayInvalid):
        _holiday(TODAY, TODAY - dt.timedelta(days=1))
    with pytest.raises(HolidayInvalid):
        _holiday(TODAY, TODAY + dt.timedelta(days=200))
    _holiday(TODAY, TODAY + dt.timedelta(days=5))
    with pytest.raises(HolidayInvalid):
        _holiday(TODAY + dt.timedelta(days=5), TODAY + dt.timedelta(days=8))
    assert HolidayPeriod.objects.count() == 1


def test_visitors_are_told_from_two_weeks_before_until_the_last_day():
    period = _holiday(dt.date(2026, 7, 6), dt.date(2026, 7, 19))
    with time_machine.travel(_at(dt.date(2026, 6, 20))):
        assert holiday_notice() is None
    with time_machine.travel(_at(dt.date(2026, 6, 23))):
        assert holiday_notice() is not None
    with time_machine.travel(_at(dt.date(2026, 7, 19), 23)):
        notice = holiday_notice()
        assert notice is not None and notice.first_day == period.first_day
    with time_machine.travel(_at(dt.date(2026, 7, 20), 0)):
        assert holiday_notice() is None


@pytest.mark.parametrize("url", ["/", "/kontakt/", "/boka/", "/integritet/"])
def test_the_site_says_so(client, url):
    make_practice()
    _holiday(dt.date(2026, 7, 6), dt.date(2026, 7, 19))
    with time_machine.travel(_at(dt.date(2026, 7, 1))):
        html = client.get(url).content.decode()
    assert "Jag har semester 6–19 juli 2026." in html
    with time_machine.travel(_at(dt.date(2026, 8, 1))):
        assert "Jag har semester" not in client.get(url).content.decode()


def test_the_site_says_so_in_english(client):
    _holiday(dt.date(2026, 7, 27), dt.date(2026, 8, 9))
    with time_machine.travel(_at(dt.date(2026, 7, 28))):
        html = client.get("/en/contact/").content.decode()
    assert "I am on holiday 27 July–9 August 2026." in html


def test_the_contact_page_promises_the_extended_reply_date(client):
    _holiday(dt.date(2026, 7, 6), dt.date(2026, 7, 19))
    with time_machine.travel(_at(dt.date(2026, 7, 10))):
        html = client.get("/kontakt/").content.decode()
    # The 48 hours start when the holiday ends: 20 July 00:00 + 48 h.
    assert "får du svar senast 22 juli 2026" in html


def test_the_coach_sets_and_removes_a_holiday(staff_client):
    response = staff_client.post(
        "/staff/web/holiday/", {"first_day": "2026-07-06", "last_day": "2026-07-19"}
    )
    assert response.status_code == 302
    period = HolidayPeriod.objects.get()
    assert (period.first_day, period.last_day) == (dt.date(2026, 7, 6), dt.date(2026, 7, 19))
    assert Event.objects.filter(action="holiday.added").exists()
    with time_machine.travel(_at(dt.date(2026, 7, 1))):
        html = staff_client.get("/staff/web/holiday/").content.decode()
    assert "måndag 6 juli 2026" in html
    staff_client.post(f"/staff/web/holiday/{period.pk}/remove/")
    assert not HolidayPeriod.objects.exists()
    assert Event.objects.filter(action="holiday.removed").exists()


def test_a_wrong_period_re_renders_with_a_clear_message(staff_client):
    response = staff_client.post(
        "/staff/web/holiday/", {"first_day": "2026-07-19", "last_day": "2026-07-06"}
    )
    assert response.status_code == 200
    assert "Sista dagen kan inte komma före den första." in response.content.decode()
    response = staff_client.post("/staff/web/holiday/", {"first_day": "juli", "last_day": ""})
    assert response.status_code == 200
    assert not HolidayPeriod.objects.exists()


def test_the_overview_shows_deadlines_extended_by_the_holiday(staff_client):
    with time_machine.travel(NOW, tick=False):
        message_receive(
            email="disa.holm@example.se", name="Disa Holm", body="Hej!", language="sv", actor=SYSTEM
        )
        _holiday(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=6))
        html = staff_client.get("/staff/").content.decode()
    assert "Semesterläge" in html
    # Monday 09:00 + 15 h before the holiday, then 33 h from Monday 23 March 00:00.
    assert "24 mars 2026 09:00" in html


def test_email_consultations_waiting_for_a_reply_show_with_the_extended_week(staff_client):
    with time_machine.travel(NOW, tick=False):
        consultation = make_email_consultation()
        consultation.awaiting_reply_since = NOW
        consultation.save(update_fields=["awaiting_reply_since"])
        _holiday(TODAY + dt.timedelta(days=2), TODAY + dt.timedelta(days=4))
        html = staff_client.get("/staff/").content.decode()
    assert "Mejlkonsultation" in html
    assert f"/staff/journal/consultations/{consultation.pk}/" in html
    # A week from Monday 09:00, plus the three holiday days: Thursday 26 March 09:00.
    assert "26 mars 2026 09:00" in html
    assert reply_due(consultation) == _at(dt.date(2026, 3, 26))
