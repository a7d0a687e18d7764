"""E-mail consultations (P2, P16, P20): opened by payment, written on her page, replied to by the
coach, notified with a link and never the text, completed by themselves."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking import hooks
from consonance.booking.models import Booking
from consonance.booking.services import booking_cancel, booking_confirm_paid
from consonance.journal.consultations import (
    consultation_from_token,
    consultation_token,
    consultations_complete_due,
)
from consonance.journal.models import AccessEvent, Consultation, Note
from consonance.journal.selectors import note_text
from consonance.mail.models import OutboxMessage
from consonance.payments.models import Order
from tests.factories import NOW, make_client, make_email_consultation, make_practice

pytestmark = pytest.mark.django_db
QUESTION = "Hur hanterar jag oron inför mötet med chefen på måndag?"
ANSWER = "Pröva att skriva ner tre saker du vill säga, och andas lugnt före."


def page_url(consultation: Consultation, language: str = "sv") -> str:
    prefix = "/en/email-consultation/" if language == "en" else "/mejlkonsultation/"
    return f"{prefix}{consultation_token(consultation)}/"


def test_paying_for_an_email_service_opens_a_consultation_and_mails_her_a_link_only():
    person = make_client()
    _video, service = make_practice()
    order = Order.objects.create(
        reference="E-1",
        person=person,
        method=Order.Method.CARD,
        status=Order.Status.PAID,
        description=service.name_sv,
        amount=Decimal("1500.00"),
        amount_paid=Decimal("1500.00"),
        payer_name="Åsa Öberg",
        payer_email=person.email,
    )
    Booking.objects.create(service=service, person=person, order=order)
    booking_confirm_paid(order)
    consultation = Consultation.objects.get(person=person)
    assert consultation.state == "open" and consultation.exchanges == 3
    assert consultation.ends_at - consultation.opened_at == timedelta(days=28)
    opened = OutboxMessage.objects.get(template="journal_consultation_opened")
    assert opened.recipient == person.email
    # The link names this consultation (tokens are signed with a timestamp, so compare what they
    # name, not their text).
    token = re.search(r"/mejlkonsultation/([^/\s]+)/", opened.body_text).group(1)
    assert consultation_from_token(token) == consultation
    assert "3 svar" in opened.body_text and "videokonsultation" in opened.body_text


def test_her_page_shows_where_she_is_and_warns_against_health_details(client):
    consultation = make_email_consultation()
    page = client.get(page_url(consultation)).content.decode()
    assert "Du har fått 0 av 3 svar." in page
    assert "Känsliga uppgifter om din hälsa tar jag hellre i en videokonsultation." in page
    assert 'name="body"' in page
    english = client.get(page_url(consultation, "en"))
    assert english.status_code == 200
    reads = AccessEvent.objects.filter(
        person=consultation.person, actor=f"person:{consultation.person_id}", action="read"
    )
    assert reads.count() == 2 and reads.first().what == f"consultation:{consultation.pk}"


def test_her_message_is_filed_encrypted_and_the_coach_gets_a_link_without_the_text(client):
    consultation = make_email_consultation()
    response = client.post(page_url(consultation), {"body": QUESTION})
    assert response.status_code == 302
    note = Note.objects.get(kind="message_in")
    assert note_text(note) == QUESTION and note.source == "web"
    assert QUESTION.encode() not in bytes(note.body_ciphertext)
    consultation.refresh_from_db()
    assert consultation.awaiting_reply_since is not None
    notice = OutboxMessage.objects.get(template="journal_new_message")
    assert f"/staff/journal/consultations/{consultation.pk}/" in notice.body_text
    assert "chefen" not in notice.body_text and consultation.person.email not in notice.body_text
    assert AccessEvent.objects.filter(
        actor=f"person:{consultation.person_id}", action="write"
    ).exists()


def test_an_empty_message_is_refused_with_a_message(client):
    consultation = make_email_consultation()
    response = client.post(page_url(consultation), {"body": "  "})
    assert response.status_code == 200 and "Skriv något först." in response.content.decode()
    assert not Note.objects.exists()


def test_the_coach_replies_on_the_staff_page_and_she_is_told_with_a_link_never_the_text(
    client, staff_client
):
    consultation = make_email_consultation()
    client.post(page_url(consultation), {"body": QUESTION})
    staff_page = staff_client.get(
        f"/staff/journal/consultations/{consultation.pk}/"
    ).content.decode()
    assert "chefen" in staff_page and "svara senast" in staff_page
    staff_client.post(f"/staff/journal/consultations/{consultation.pk}/", {"body": ANSWER})
    reply = Note.objects.get(kind="message_out")
    assert note_text(reply) == ANSWER
    notice = OutboxMessage.objects.get(template="journal_reply")
    assert notice.recipient == consultation.person.email
    assert "andas" not in notice.body_text and "chefen" not in notice.body_text
    token = re.search(r"https?://\S+/mejlkonsultation/(\S+)/", notice.body_text).group(1)
    assert consultation_from_token(token) == consultation
    consultation.refresh_from_db()
    assert consultation.awaiting_reply_since is None
    page = client.get(page_url(consultation)).content.decode()
    assert "andas lugnt" in page and "Du har fått 1 av 3 svar." in page


def test_the_consultation_completes_by_itself_with_its_last_exchange(client, staff_client):
    consultation = make_email_consultation(exchanges=1)
    client.post(page_url(consultation), {"body": QUESTION})
    staff_client.post(f"/staff/journal/consultations/{consultation.pk}/", {"body": ANSWER})
    consultation.refresh_from_db()
    assert consultation.state == "completed"
    page = client.get(page_url(consultation)).content.decode()
    assert "Konsultationen är avslutad" in page and 'name="body"' not in page
    response = client.post(page_url(consultation), {"body": "En fråga till"}, follow=True)
    assert "du kan inte skriva fler" in response.content.decode()
    assert Note.objects.filter(kind="message_in").count() == 1


def test_the_consultation_completes_when_its_days_run_out_but_not_before_her_answer(client):
    with time_machine.travel(NOW, tick=False):
        waiting = make_email_consultation(make_client("a@example.se"), days=7)
        quiet = make_email_consultation(make_client("b@example.se"), days=7)
        client.post(page_url(waiting), {"body": QUESTION})
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        assert consultations_complete_due() == 1
    waiting.refresh_from_db()
    quiet.refresh_from_db()
    assert quiet.state == "completed" and waiting.state == "open"


def test_cancelling_the_booking_cancels_the_consultation():
    consultation = make_email_consultation()
    booking_cancel(booking_id=consultation.booking_id, actor=SYSTEM, now=timezone.now())
    consultation.refresh_from_db()
    assert consultation.state == "cancelled"


def test_a_bad_or_tampered_link_is_404(client):
    consultation = make_email_consultation()
    token = consultation_token(consultation)
    assert client.get(f"/mejlkonsultation/{token[:-2]}xx/").status_code == 404
    assert client.get("/mejlkonsultation/nonsense/").status_code == 404
    Consultation.objects.filter(pk=consultation.pk).update(nonce="new")
    assert client.get(f"/mejlkonsultation/{token}/").status_code == 404


def test_the_staff_overview_lists_open_consultations_with_their_reply_deadline(
    client, staff_client
):
    consultation = make_email_consultation()
    client.post(page_url(consultation), {"body": QUESTION})
    page = staff_client.get("/staff/journal/").content.decode()
    assert "Pågående mejlkonsultationer" in page and "0 / 3" in page
    assert "Åsa Öberg" in page


def test_the_coach_sets_what_an_email_service_gives(staff_client):
    _video, service = make_practice()
    response = staff_client.post(
        f"/staff/journal/terms/{service.pk}/", {"exchanges": 5, "days": 42}
    )
    assert response.status_code == 302
    person = make_client()
    booking = Booking.objects.create(service=service, person=person, state="confirmed")
    hooks.booking_confirmed.emit(booking)
    consultation = Consultation.objects.get(booking=booking)
    assert (
        consultation.exchanges == 5 and (consultation.ends_at - consultation.opened_at).days == 42
    )
    bad = staff_client.post(
        f"/staff/journal/terms/{service.pk}/", {"exchanges": 0, "days": 42}, follow=True
    )
    assert "sparades inte" in bad.content.decode()


def test_the_policy_page_says_what_deleting_mail_means_at_the_configured_provider(client, settings):
    settings.CONSONANCE_IMAP_HOST = ""
    assert "återställningsbara objekt" not in client.get("/integritet/").content.decode()
    settings.CONSONANCE_IMAP_HOST = "outlook.office365.com"
    page = client.get("/integritet/").content.decode()
    assert "raderas sedan ur inkorgen, ur Skickat och ur papperskorgen" in page
    assert "återställningsbara objekt" in page
    settings.CONSONANCE_IMAP_HOST = "imap.gmail.com"
    english = client.get("/en/privacy/").content.decode()
    assert "hosted by Google (Gmail)" in english
