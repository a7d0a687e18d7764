"""An e-mail consultation is a service, not a time (issue 17): it runs through to completed (its
booking too), once answered it refunds only what its terms say, the coach's reply form takes no
reply past the count, and a client's mail after completion waits on the coach's overview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking import emails
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.journal.consultations import consultations_complete_due, reply_send, reply_token
from consonance.journal.emails import consultation_opened
from consonance.journal.inbound import file_inbound
from consonance.journal.models import Consultation, Note
from consonance.mail.hooks import InboundMail
from consonance.mail.models import OutboxMessage
from consonance.payments.models import Order, Refund
from tests.factories import make_email_consultation

pytestmark = pytest.mark.django_db
PAID = Decimal("1500.00")


def paid_consultation(**terms) -> Consultation:
    consultation = make_email_consultation(**terms)
    booking = consultation.booking
    booking.order = Order.objects.create(
        reference=f"E-{booking.pk}",
        person=consultation.person,
        method=Order.Method.CARD,
        status=Order.Status.PAID,
        description=booking.service.name_sv,
        amount=PAID,
        amount_paid=PAID,
        payer_name="Åsa Öberg",
        payer_email=consultation.person.email,
        payment_ref="pi_test",
    )
    booking.save(update_fields=["order"])
    return consultation


def reply(consultation: Consultation, n: int = 1) -> None:
    for i in range(n):
        reply_send(consultation=consultation, body=f"Svar {i + 1}", actor="staff:1")


def cancel_url(booking: Booking) -> str:
    return reverse("booking-cancel", args=[booking_token(booking, "cancel")])


def test_the_last_reply_completes_the_consultation_and_its_booking(client):
    consultation = paid_consultation()
    reply(consultation, 3)
    consultation.refresh_from_db()
    booking = Booking.objects.get(pk=consultation.booking_id)
    assert consultation.state == Consultation.State.COMPLETED
    assert booking.state == Booking.State.COMPLETED and booking.completed_at is not None
    page = client.get(cancel_url(booking)).content.decode()
    assert "Mejlkonsultationen är avslutad" in page and "Ja, avboka" not in page
    client.post(cancel_url(booking))
    booking.refresh_from_db()
    assert booking.state == Booking.State.COMPLETED and not Refund.objects.exists()


def test_once_answered_a_cancellation_refunds_nothing_by_default(client):
    consultation = paid_consultation()
    reply(consultation)
    booking = Booking.objects.get(pk=consultation.booking_id)
    assert booking.answered_at is not None  # within the 24 hours of full refund, all the same
    page = client.get(cancel_url(booking)).content.decode()
    assert "Jag har redan svarat dig" in page and "0,00 kr" in page
    client.post(cancel_url(booking))
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED and not Refund.objects.exists()


def test_the_services_own_answered_percent_is_refunded(client):
    consultation = paid_consultation()
    service = consultation.booking.service
    service.answered_refund_percent = 40
    service.save()
    reply(consultation)
    booking = Booking.objects.get(pk=consultation.booking_id)
    client.post(cancel_url(booking))
    assert Refund.objects.get().amount == Decimal("600.00")


def test_before_any_reply_the_hours_rule_still_gives_all_back(client):
    consultation = paid_consultation()
    client.post(cancel_url(consultation.booking))
    assert Refund.objects.get().amount == PAID


def test_the_reply_form_refuses_a_reply_past_the_count(staff_client):
    consultation = paid_consultation(exchanges=1)
    url = f"/staff/journal/consultations/{consultation.pk}/"
    staff_client.post(url, {"body": "Första och enda svaret."})
    page = staff_client.get(url).content.decode()
    assert "Konsultationen är avslutad: alla svar är givna." in page
    assert "Skicka svaret" not in page
    response = staff_client.post(url, {"body": "Ett svar för mycket."}, follow=True)
    assert "Inget mer svar skickas härifrån" in response.content.decode()
    assert Note.objects.filter(consultation=consultation, kind=Note.Kind.MESSAGE_OUT).count() == 1


def _mail_from(consultation: Consultation, text: str) -> InboundMail:
    return InboundMail(
        role="inbox",
        message_id="<sent.efter@example.se>",
        in_reply_to="",
        references=(),
        from_address=consultation.person.email,
        from_name="Åsa Öberg",
        to_addresses=("praktik@example.se",),
        subject=f"Re: Mitt svar [#{reply_token(consultation)}]",
        text=text,
        html="",
        date=timezone.now(),
    )


def test_a_mail_after_completion_waits_on_the_coachs_overview(staff_client):
    consultation = paid_consultation(exchanges=1)
    reply(consultation)
    assert file_inbound(_mail_from(consultation, "En sak till, tack!")) == "consultation"
    overview = staff_client.get("/staff/").content.decode()
    assert "Meddelande efter avslutad mejlkonsultation" in overview
    url = f"/staff/journal/consultations/{consultation.pk}/"
    page = staff_client.get(url).content.decode()
    assert "En sak till, tack!" in page and "Hon skrev efter att konsultationen avslutades" in page
    staff_client.post(f"{url}handled/")
    assert "Meddelande efter avslutad" not in staff_client.get("/staff/").content.decode()
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.COMPLETED
    assert consultation.awaiting_reply_since is None


def test_her_mail_programs_reply_past_the_count_is_still_filed():
    consultation = paid_consultation(exchanges=1)
    reply(consultation)
    reply_send(consultation=consultation, body="Från Skickat", actor=SYSTEM, source="email")
    assert Note.objects.filter(consultation=consultation, kind=Note.Kind.MESSAGE_OUT).count() == 2


@pytest.mark.parametrize("language", ["sv", "en"])
def test_its_mails_speak_of_no_time_and_come_from_me(language, client):
    consultation = paid_consultation()
    booking = consultation.booking
    booking.language = language
    booking.save(update_fields=["language"])
    emails.confirmed(booking)
    consultation_opened(consultation, "token", reply_token(consultation))
    texts = [m.body_text for m in OutboxMessage.objects.order_by("pk")]
    confirmed, opened = texts[-2:]
    for text in (confirmed, opened):
        lowered = f" {text.lower()} "
        for word in (" vi ", " oss ", " we ", " us ", "kalenderfil", "calendar file"):
            assert word not in lowered
        for word in ("svensk tid", "swedish time", "byta tid", "change the time"):
            assert word not in lowered
    assert not OutboxMessage.objects.filter(template="booking_confirmed").first().attachments
    assert ("jag hellre" if language == "sv" else "I would rather") in opened
    assert ("När jag har svarat första gången" if language == "sv" else "Once I have replied") in (
        confirmed
    )
    status = client.get(
        reverse("booking-status", args=[booking_token(booking, "status")]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    assert "kalenderfil" not in status and "calendar file" not in status


def test_the_journals_clock_runs_from_the_completion():
    consultation = paid_consultation(exchanges=1)
    reply(consultation)
    booking = Booking.objects.get(pk=consultation.booking_id)
    consultation.person.refresh_from_db()
    assert consultation.person.last_consultation_at == booking.completed_at


def test_when_its_days_run_out_the_booking_completes_too():
    consultation = paid_consultation()
    reply(consultation)
    assert consultations_complete_due(now=consultation.ends_at + timedelta(seconds=1)) == 1
    assert Booking.objects.get(pk=consultation.booking_id).state == Booking.State.COMPLETED
