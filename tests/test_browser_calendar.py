"""Walks in headless Chromium for issue 17's calendar items: a holiday closes booking (the
visitor's page, the client's move page) and the coach confirms before she moves a session into
it; the coach pastes her own calendar's address and its busy times leave the booking page; a
client moves her session from the link (the calendar file's SEQUENCE goes up) and cancels from
the labelled button of her reminder (the file that takes it out of her calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from consonance.booking import changes
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.lib.time import STOCKHOLM
from tests.factories import (
    BANKGIRO,
    OWN_CALENDAR,
    STAFF_EMAIL,
    coach_signs_in,
    confirmed_booking,
    make_practice,
    sent_to,
)
from tests.factories import page_go as go
from tests.factories import page_shows as shows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(tab, live_server, settings) -> Page:
    settings.SITE_URL = live_server.url
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.DEBUG = False
    tab.base = live_server.url
    return tab


def _monday_in(weeks: int) -> date:
    today = timezone.localdate(timezone=STOCKHOLM)
    return today + timedelta(days=7 * weeks - today.weekday())


def _offered(browser: Page, video, pages: int = 4) -> set[str]:
    """Every start (YYYYMMDDTHHMMZ, UTC) the booking page offers on its first `pages` pages."""
    found: set[str] = set()
    for page in range(1, pages + 1):
        go(browser, f"/boka/{video.pk}/?sida={page}")
        found |= _starts(browser)
    return found


def _starts(browser: Page) -> set[str]:
    values = browser.eval_on_selector_all(
        "a[href], button[name=start]", "els => els.map(e => e.getAttribute('href') || e.value)"
    )
    return {
        part
        for value in values
        for part in value.split("/")
        if len(part) == 14 and part[8] == "T" and part[:8].isdigit()
    }


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


def test_a_holiday_closes_booking_and_the_coach_confirms_a_move_into_it(browser, staff_user):
    video, _ = make_practice()
    monday = _monday_in(2)
    booking = confirmed_booking(video, _at(monday - timedelta(days=4), 10))
    coach_signs_in(browser, browser.base, staff_user)
    go(browser, "/staff/web/holiday/")
    shows(browser, "Bokningen är stängd under semestern")
    browser.fill("input[name=first_day]", f"{monday:%Y-%m-%d}")
    browser.fill("input[name=last_day]", f"{monday + timedelta(days=4):%Y-%m-%d}")
    browser.click("main form.card button[type=submit]")
    shows(browser, "Semestern är inlagd")
    holiday = {f"{monday + timedelta(days=i):%Y%m%d}" for i in range(5)}

    # The visitor's booking page: no time in the holiday week, the week after is offered.
    offered = {start[:8] for start in _offered(browser, video)}
    assert offered and not offered & holiday
    assert f"{monday + timedelta(days=7):%Y%m%d}" in offered

    # The client's move page offers none of those days either.
    go(browser, f"/boka/flytta/{booking_token(booking, 'move')}/")
    shows(browser, "Välj en ny tid")
    assert _starts(browser) and not {start[:8] for start in _starts(browser)} & holiday

    # The coach moves the session into her holiday: asked first, nothing sent until she confirms.
    go(browser, f"/staff/booking/{booking.pk}/")
    browser.fill("input[name=day]", f"{monday:%Y-%m-%d}")
    browser.fill("input[name=time]", "10:00")
    mail.outbox.clear()
    browser.click("form[action$='/move/'] button")
    shows(browser, "Dagen ligger i din semester")
    assert not sent_to("astrid@example.se")
    browser.get_by_role("button", name="Ja, flytta ändå").click()
    shows(browser, "Bokningen är flyttad")
    booking.refresh_from_db()
    assert booking.starts_at.astimezone(STOCKHOLM).date() == monday
    assert len(sent_to("astrid@example.se")) == 1

    # And Sunday 03:00: outside her hours, asked too; she changes her mind.
    sunday = monday + timedelta(days=6)
    browser.fill("input[name=day]", f"{sunday:%Y-%m-%d}")
    browser.fill("input[name=time]", "03:00")
    browser.click("form[action$='/move/'] button")
    shows(browser, "kl. 03:00 ligger utanför dina öppettider")
    booking.refresh_from_db()
    assert booking.starts_at.astimezone(STOCKHOLM).date() == monday


def test_the_coach_pastes_her_own_calendar_and_its_busy_times_are_not_offered(
    browser, staff_user, calendar_server
):
    video, _ = make_practice()
    # Her own calendar: busy every Wednesday 10-12 Stockholm time (OWN_CALENDAR's weekly meeting).
    address = calendar_server.serve("/ical/private-5e1c0d/basic.ics", OWN_CALENDAR)
    before = _offered(browser, video)
    coach_signs_in(browser, browser.base, staff_user)
    go(browser, "/staff/booking/busy-calendars/")
    browser.fill("input[name=label]", "Google privat")
    browser.fill("input[name=address]", address)
    browser.click("main form.card button")
    text = shows(browser, "Kalendern är läst")
    assert "Google privat" in text and "private-5e1c0d" not in browser.content()
    after = _offered(browser, video)
    wednesday_ten = {
        f"{_at(_monday_in(weeks) + timedelta(days=2), 10).astimezone(UTC):%Y%m%dT%H%MZ}"
        for weeks in range(1, 5)
    }
    assert before & wednesday_ten  # offered before her calendar was read
    assert not after & wednesday_ten
    assert after and after < before


def test_a_client_moves_from_the_link_and_cancels_from_her_reminder(browser, settings):
    video, _ = make_practice()
    starts = _at(_monday_in(1) + timedelta(days=1), 10)  # next Tuesday
    booking = confirmed_booking(video, starts, first="Anna", email="anna@example.se")
    go(browser, f"/boka/flytta/{booking_token(booking, 'move')}/")
    shows(browser, "Välj en ny tid")
    browser.locator("form button[name=start]").first.click()
    shows(browser, "Du har fått den nya tiden")
    [moved] = sent_to("anna@example.se")
    assert moved.body.startswith("Hej Anna!")
    [event] = Calendar.from_ical(moved.attachments[0][1]).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1
    booking.refresh_from_db()
    # Her reminder, two days before: labelled buttons; she presses "Avboka" in the mail.
    settings.REMINDER_HOURS = 48
    with time_machine.travel(booking.starts_at - timedelta(hours=40), tick=True):
        assert changes.booking_send_reminders() == 1
    reminder = sent_to("anna@example.se")[-1]
    html = reminder.alternatives[0][0]
    mail_program = browser.context.new_page()  # the mail as her mail program shows it
    mail_program.set_content(html)
    expect(mail_program.get_by_role("link", name="Boka om")).to_be_visible()
    cancel = mail_program.get_by_role("link", name="Avboka")
    expect(cancel).to_be_visible()
    href = cancel.get_attribute("href")
    assert href and href.startswith(browser.base)
    browser.goto(href)
    browser.locator("main form button").last.click()
    shows(browser, "avbokad")
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    cancelled = sent_to("anna@example.se")[-1]
    calendar = Calendar.from_ical(cancelled.attachments[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
