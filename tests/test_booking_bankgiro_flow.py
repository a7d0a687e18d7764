"""Booking paid by Bankgiro invoice, through HTTP: reserve, e-mailed instructions, BgMax import."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.payments.models import BillingDetails, Order, Refund
from tests.factories import BANKGIRO, book_by_bankgiro, form, pay, sent_to, slot_links

pytestmark = pytest.mark.django_db(transaction=True)


def test_bankgiro_booking_holds_the_slot_and_mails_the_payment_instructions(client, practice):
    video, _ = practice
    response, booking = book_by_bankgiro(client, video)

    assert booking.state == Booking.State.HELD
    order = booking.order
    assert order.method == "bankgiro" and order.ocr_reference and order.due_date
    # The invoice is due two days before the session at the latest.
    assert order.due_date <= (booking.starts_at - timedelta(days=2)).date()
    # P8: an e-mailed invoice needs no address or phone.
    billing = BillingDetails.objects.get(order=order)
    assert (billing.street_address, billing.phone) == ("", "")

    status = client.get(response["Location"])
    assert status.status_code == 200
    assert order.ocr_reference in status.content.decode()
    assert BANKGIRO in status.content.decode()

    [message] = sent_to("astrid1@example.se")
    assert order.ocr_reference in message.body and BANKGIRO in message.body
    assert "/boka/avboka/" in message.body
    assert "Astrid" not in message.body  # no name needed in the body


def test_bankgiro_import_confirms_the_booking_and_sends_the_confirmation_with_a_calendar_file(
    client, practice
):
    video, _ = practice
    _, booking = book_by_bankgiro(client, video)
    mail.outbox.clear()

    pay(booking.order)

    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert booking.join_url == "https://video.example/rum"
    [message] = sent_to("astrid1@example.se")
    assert "https://video.example/rum" in message.body
    # The calendar file, and the invoice as PDF (the document of a Bankgiro order).
    [(filename, content, mimetype), (pdf_name, _pdf, pdf_type)] = message.attachments
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    assert pdf_name.startswith("faktura-F2026-") and pdf_type == "application/pdf"
    ics = content if isinstance(content, str) else content.decode()
    assert "Videokonsultation – Consonance Communication" in ics
    assert "Astrid" not in ics and "Lindqvist" not in ics and "astrid1@" not in ics


def test_a_partial_bankgiro_payment_does_not_confirm(client, practice):
    video, _ = practice
    _, booking = book_by_bankgiro(client, video)
    pay(booking.order, Decimal("100.00"))
    booking.refresh_from_db()
    assert booking.state == Booking.State.HELD
    assert booking.order.status == Order.Status.PARTIALLY_PAID


def test_cancelling_a_paid_bankgiro_booking_makes_a_refund_task_for_the_coach(client, practice):
    video, _ = practice
    _, booking = book_by_bankgiro(client, video)
    pay(booking.order)
    mail.outbox.clear()
    url = f"/boka/avboka/{booking_token(booking, 'cancel')}/"
    page = client.get(url)
    assert "900,00" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 200

    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.MANUAL and refund.amount == Decimal("900.00")
    [ask, message] = sorted(sent_to("astrid1@example.se"), key=lambda m: "avbokad" in m.body)
    assert "900,00 kr" in message.body and "en länk till en säker sida" in message.body
    assert "/aterbetalning/" in ask.body and "Vart ska jag betala tillbaka" in ask.subject


def test_booking_with_a_restricted_address_answers_as_for_a_new_one_and_tells_her_by_mail(
    client, practice
):
    """Finding 3 of issue 12: the page never tells whether an address is known or restricted;
    what differs goes by e-mail to the address (P27, GDPR Art. 18(2): her own booking)."""
    from consonance.people.services import person_get_or_create
    from consonance.rights.selectors import person_is_restricted
    from consonance.rights.services import restriction_start

    video, _ = practice
    person, _ = person_get_or_create(
        email="astrid1@example.se", first_name="Astrid", last_name="Lindqvist", actor="system"
    )
    restriction_start(person=person, reason="accuracy", actor="system")
    links = slot_links(client.get(f"/boka/{video.pk}/?sida=1").content.decode(), video)
    restricted = client.post(links[0], form("bankgiro", 1))
    new = client.post(links[4], form("bankgiro", 2))  # a slot clear of the first one

    def shape(response):
        return response.status_code, re.sub(r"/[^/]+/$", "/<token>/", response["Location"])

    assert shape(restricted) == shape(new)
    assert [t.name for t in client.get(restricted["Location"]).templates][:1] == [
        t.name for t in client.get(new["Location"]).templates
    ][:1]
    [told] = [m for m in sent_to("astrid1@example.se") if "begränsning" in m.subject]
    assert "till inget annat" in told.body and "/boka/avboka/" in told.body
    assert not [m for m in sent_to("astrid2@example.se") if "begränsning" in m.subject]
    assert person_is_restricted(person.pk)  # still in force for everything else
    assert Booking.objects.filter(person=person, state=Booking.State.HELD).count() == 1


def test_a_confirmed_consultation_starts_the_journal_clock_and_a_cancellation_resets_it(
    client, practice
):
    from consonance.people.models import Person

    video, _ = practice
    _response, booking = book_by_bankgiro(client, video)
    person = Person.objects.get(pk=booking.person_id)
    assert person.last_consultation_at is None
    pay(booking.order)
    person.refresh_from_db()
    booking.refresh_from_db()
    assert person.last_consultation_at == booking.ends_at
    client.post(f"/boka/avboka/{booking_token(booking, 'cancel')}/")
    person.refresh_from_db()
    assert person.last_consultation_at is None
