"""The coach's client list and client card (/staff/web/clients/), and the overview's one list of
what waits for her."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.booking.models import Booking, ZoomSync
from consonance.contact.services import message_receive
from consonance.journal.models import Note
from consonance.payments.models import Refund
from consonance.people.services import person_get_or_create
from consonance.rights.models import Request
from consonance.rights.services import request_record
from tests.factories import (
    confirmed_booking,
    encrypted,
    make_email_consultation,
    subscriber,
)

pytestmark = pytest.mark.django_db

# The practice fixture freezes time at Monday 16 March 2026, 09:00 in Stockholm.
TUESDAY_11 = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)
THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
LAST_FRIDAY = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
LAST_MONTH = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
LIST = "/staff/web/clients/"


def _rows(html: str) -> list[str]:
    return html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


def _refund(booking: Booking, amount: str = "450.00") -> Refund:
    return Refund.objects.create(
        order=booking.order, amount=Decimal(amount), reason="cancelled", status="manual"
    )


def test_the_list_orders_clients_by_next_then_last_session_with_counts_and_open_items(
    staff_client, practice
):
    video, _ = practice
    later = confirmed_booking(video, THURSDAY_10, first="Cecilia", email="cecilia@example.se")
    sooner = confirmed_booking(video, TUESDAY_11, first="Britta", email="britta@example.se")
    confirmed_booking(video, LAST_FRIDAY, first="Britta", email="britta@example.se")
    recent = confirmed_booking(
        video, LAST_FRIDAY - dt.timedelta(days=1), first="Doris", email="d@example.se"
    )
    older = confirmed_booking(video, LAST_MONTH, first="Ella", email="ella@example.se")
    _refund(older)
    asking, _ = person_get_or_create(
        email="frida@example.se", first_name="Frida", last_name="Falk", actor=SYSTEM
    )
    request_record(person=asking, kind=Request.Kind.ACCESS, actor=SYSTEM, done=False)
    subscriber("gun@example.se", first="Gun")  # a subscriber only: not a client

    html = staff_client.get(LIST).content.decode()
    rows = _rows(html)
    names = [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows]
    assert names == [
        "Britta Lindqvist",  # next session Tuesday
        "Cecilia Lindqvist",  # next session Thursday
        "Doris Lindqvist",  # last session Thursday last week
        "Ella Lindqvist",  # last session a month ago
        "Frida Falk",  # a request, no session
    ]
    assert "Gun" not in html
    britta = rows[0]
    assert f'href="/staff/web/clients/{sooner.person_id}/"' in britta
    assert f'href="/staff/booking/{sooner.pk}/"' in britta and "17 mars 2026, 11:00" in britta
    assert "13 mars 2026" in britta and ">2</td>" in britta  # last session, two sessions
    assert f'href="/staff/web/clients/{later.person_id}/"' in rows[1]
    assert f'href="/staff/web/clients/{recent.person_id}/"' in rows[2]
    assert "Återbetalning att göra" in rows[3]
    assert "Begäran: Tillgång (registerutdrag)" in rows[4] and ">0</td>" in rows[4]
    assert "5 klienter" in html


def test_a_moved_session_whose_zoom_meeting_kept_the_old_time_is_open_in_the_list(
    staff_client, practice
):
    video, _ = practice
    booking = confirmed_booking(video, THURSDAY_10, join_url="https://zoom.example/j/1")
    Booking.objects.filter(pk=booking.pk).update(zoom_sync=ZoomSync.FAILED)
    row = _rows(staff_client.get(LIST).content.decode())[0]
    assert "Zoom-mötet har fel tid" in row


def test_the_search_is_posted_never_put_in_the_address(staff_client, practice):
    video, _ = practice
    confirmed_booking(video, TUESDAY_11, first="Åsa", last="Öberg", email="asa@example.se")
    confirmed_booking(video, THURSDAY_10, first="Bo", last="Ek", email="bo.ek@example.se")

    found = staff_client.post(LIST, {"q": "åsa"}).content.decode()
    assert "Åsa Öberg" in found and "Bo Ek" not in found
    assert "1 klient matchar sökningen." in found
    # Every word must match the name or the address.
    found = staff_client.post(LIST, {"q": "bo.ek EXAMPLE"}).content.decode()
    assert "Bo Ek" in found and "Åsa" not in found
    assert "Ingen klient matchar" in staff_client.post(LIST, {"q": "zzz"}).content.decode()
    # A query in the address is not a search: the list stays whole.
    whole = staff_client.get(LIST + "?q=åsa").content.decode()
    assert "Åsa Öberg" in whole and "Bo Ek" in whole
    # The search form posts, with its CSRF token, to the list's own address.
    assert 'method="post" action="/staff/web/clients/"' in whole
    # Control characters (a NUL breaks PostgreSQL's text) and absurd pages are no error.
    found = staff_client.post(LIST, {"q": "\x00åsa\x07", "sida": "9" * 30})
    assert (
        found.status_code == 200
        and "Åsa Öberg" in staff_client.post(LIST, {"q": "å\x00sa"}).content.decode()
    )


def test_the_list_pages_by_fifty_browsing_by_address_and_searching_by_post(staff_client, practice):
    video, _ = practice
    for n in range(55):
        confirmed_booking(
            video,
            LAST_MONTH - dt.timedelta(days=n),
            first=f"Klient{n:02d}",
            email=f"k{n}@example.se",
        )
    first = staff_client.get(LIST).content.decode()
    assert len(_rows(first)) == 50 and "Sida 1 av 2" in first and 'href="?sida=2"' in first
    second = staff_client.get(LIST + "?sida=2").content.decode()
    assert len(_rows(second)) == 5 and "Klient54" in second
    assert len(_rows(staff_client.get(LIST + "?sida=x").content.decode())) == 50
    # A search's pages are buttons of its form (POST), never links carrying the query.
    searched = staff_client.post(LIST, {"q": "klient"}).content.decode()
    assert 'name="sida" value="2"' in searched and "?sida=" not in searched
    page_two = staff_client.post(LIST, {"q": "klient", "sida": "2"}).content.decode()
    assert len(_rows(page_two)) == 5


def test_a_page_of_the_list_costs_the_same_queries_for_few_and_many_clients(staff_client, practice):
    video, _ = practice

    def clients(count: int, start: int) -> None:
        for n in range(start, start + count):
            booking = confirmed_booking(
                video, LAST_MONTH - dt.timedelta(hours=n), first=f"K{n}", email=f"k{n}@example.se"
            )
            if n % 3 == 0:
                _refund(booking)
                request_record(person=booking.person, kind="access", actor=SYSTEM, done=False)

    clients(3, 0)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(LIST)
    clients(40, 3)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(LIST)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_card_gathers_bookings_orders_requests_journal_newsletter_and_deadlines(
    staff_client, practice
):
    video, _ = practice
    ahead = confirmed_booking(video, TUESDAY_11, first="Astrid", last="Lind")
    person = ahead.person
    past = confirmed_booking(video, LAST_FRIDAY, first="Astrid", last="Lind")
    _refund(past)
    Note.objects.create(person=person, body_ciphertext=encrypted(person, Note, "Sover dåligt."))
    request_record(person=person, kind=Request.Kind.ERASURE, actor=SYSTEM, done=False)
    subscriber(person.email, first="Astrid", last="Lind")

    response = staff_client.get(f"/staff/web/clients/{person.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Astrid Lind</h1>" in html and person.email in html
    bookings = html.split('id="bokningar"')[1].split("</section>")[0]
    assert f"/staff/booking/{ahead.pk}/#flytta" in bookings
    assert f"/staff/booking/{ahead.pk}/#avboka" in bookings
    assert f"/staff/booking/{past.pk}/#uteblev" in bookings
    payments = html.split('id="betalningar"')[1].split("</section>")[0]
    assert "900,00 kr" in payments and "Återbetalning 450,00 kr" in payments
    assert f"/staff/payments/{past.order_id}/" in payments
    privacy = html.split('id="integritet"')[1].split("</section>")[0]
    assert "Radering" in privacy and "När uppgifterna gallras" in privacy
    journal = html.split('id="journal"')[1].split("</section>")[0]
    assert "1 anteckning i journalen." in journal
    assert f'href="/staff/journal/clients/{person.pk}/"' in journal
    assert "Sover" not in html  # the card reads no note: the journal's own card does, logged
    assert "Prenumererar" in html.split('id="nyhetsbrev"')[1]
    deadlines = html.split('id="frister"')[1].split("</section>")[0]
    # The refund within 14 days, the request's legal deadline, the dates her data goes.
    assert "Återbetalning att göra" in deadlines and "Begäran: Radering" in deadlines
    assert "raderas" in deadlines
    event = Event.objects.get(action="client.card_read")
    assert event.subject_id == person.pk and event.actor.startswith("staff:")
    assert "Astrid" not in event.detail and person.email not in event.detail


def test_the_card_shows_messages_and_consultations_waiting_for_an_answer(staff_client, practice):
    consultation = make_email_consultation()
    consultation.awaiting_reply_since = timezone.now()
    consultation.save(update_fields=["awaiting_reply_since"])
    person = consultation.person
    message_receive(email=person.email, name="Åsa Öberg", body="Hej!", language="sv", actor=SYSTEM)
    html = staff_client.get(f"/staff/web/clients/{person.pk}/").content.decode()
    assert f"/staff/journal/consultations/{consultation.pk}/" in html
    assert "23 mars 2026" in html.split('id="journal"')[1]  # a week to reply
    messages = html.split('id="meddelanden"')[1].split("</section>")[0]
    assert "1 obesvarat meddelande." in messages and f"/staff/contact/{person.pk}/" in messages
    assert "Hej!" not in html
    deadlines = html.split('id="frister"')[1].split("</section>")[0]
    assert "Meddelande att besvara" in deadlines and "Mejlkonsultation att besvara" in deadlines


def test_the_card_is_for_staff_only_and_unknown_ids_are_404(staff_client, practice):
    video, _ = practice
    booking = confirmed_booking(video, TUESDAY_11)
    visitor = Client()
    assert visitor.get(f"/staff/web/clients/{booking.person_id}/").status_code == 302
    assert visitor.get(LIST).status_code == 302
    assert staff_client.get("/staff/web/clients/999999/").status_code == 404
    assert not Event.objects.filter(action="client.card_read").exists()


def test_clients_are_linked_from_the_overview_the_week_and_the_booking_pages(
    staff_client, practice
):
    video, _ = practice
    booking = confirmed_booking(video, TUESDAY_11)
    card = f'href="/staff/web/clients/{booking.person_id}/"'
    assert card in staff_client.get("/staff/").content.decode()
    assert card in staff_client.get("/staff/booking/calendar/").content.decode()
    assert card in staff_client.get(f"/staff/booking/{booking.pk}/").content.decode()
    assert card in staff_client.get("/staff/booking/").content.decode()
    assert 'href="/staff/web/clients/">Klienter</a>' in staff_client.get("/staff/").content.decode()


def test_the_overview_has_one_list_of_what_waits_the_nearest_deadline_first(staff_client, practice):
    video, _ = practice
    paid = confirmed_booking(video, None, first="Doris", email="doris@example.se")
    _refund(paid)  # due in 14 days
    message_receive(  # due in 48 hours
        email="disa@example.se", name="Disa Holm", body="Hej!", language="sv", actor=SYSTEM
    )
    consultation = make_email_consultation()  # a reply due in a week
    consultation.awaiting_reply_since = timezone.now()
    consultation.save(update_fields=["awaiting_reply_since"])

    html = staff_client.get("/staff/").content.decode()
    assert "Att svara på" not in html and html.count("Väntar på dig") == 1
    waiting = html.split('id="vantar"')[1].split("</section>")[0]
    order = [
        waiting.index("Meddelande att besvara"),
        waiting.index("Mejlkonsultation att besvara"),
        waiting.index("Återbetalning att göra"),
    ]
    assert order == sorted(order)
    assert f'href="/staff/web/clients/{consultation.person_id}/">Åsa<' in waiting
    assert f'href="/staff/web/clients/{paid.person_id}/"' in waiting


def test_the_client_pages_read_in_english_when_the_coach_chooses_it(staff_client, practice):
    video, _ = practice
    booking = confirmed_booking(video, TUESDAY_11)
    staff_client.cookies["django_language"] = "en"
    html = staff_client.get(LIST).content.decode()
    assert "<h1>Clients</h1>" in html and "Next session" in html and "17 March 2026" in html
    card = staff_client.get(f"{LIST}{booking.person_id}/").content.decode()
    for text in ("Contact details", "Deadlines", "Orders and payments", "Upcoming", "Move"):
        assert text in card, text
    assert "SEK 900.00" in card and "Kommande" not in card


def _ends(categories) -> list[tuple]:
    return [
        (c.id, c.count, c.legal_hold, [(end.rule.id, end.until) for end in c.until])
        for c in categories
    ]


def test_the_cards_deletion_dates_from_one_statement_equal_those_read_from_her_rows(practice):
    """The card's dates (rights.dates, one planned statement) are those of reading her rows of
    every table (rights.data.holdings_of): the latest clock, none while one has not started, a
    clock through a subject's id (an agreement's `person__last_contact_at`) and a date clock."""
    from consonance.newsletter.models import Subscription
    from consonance.privacy.models import RetentionAgreement
    from consonance.rights.data import holdings_of
    from consonance.rights.dates import person_deletion_dates

    video, _ = practice
    ahead = confirmed_booking(video, TUESDAY_11, first="Astrid", last="Lind")
    person = ahead.person
    past = confirmed_booking(video, LAST_MONTH, first="Astrid", last="Lind")
    _refund(past)
    Note.objects.create(person=person, body_ciphertext=encrypted(person, Note, "Sover dåligt."))
    request_record(person=person, kind=Request.Kind.ERASURE, actor=SYSTEM, done=False)
    subscriber(person.email, first="Astrid", last="Lind")
    Subscription.objects.filter(person=person).update(unsubscribed_at=LAST_FRIDAY)
    RetentionAgreement.objects.create(
        person=person, rule_id="contact-details-2y", until=dt.date(2027, 1, 1), reason="x"
    )
    message_receive(email=person.email, name="Astrid Lind", body="Hej", language="sv", actor=SYSTEM)
    other = confirmed_booking(video, THURSDAY_10, first="Berit", last="Ek").person

    for someone in (person, other):
        expected = holdings_of(someone, with_records=False, counted=False).categories
        assert _ends(person_deletion_dates(someone)) == _ends(expected)
    assert any(until for _c, _n, _h, ends in _ends(expected) for _r, until in ends)
