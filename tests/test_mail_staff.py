"""The coach's outbox page: counts by state, failed messages with their error, and a retry."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import include, path
from django.utils import timezone

import consonance.urls
from consonance.audit.models import Event
from consonance.mail import demo as mail_demo
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.people import demo as people_demo

# Until consonance/urls.py routes staff/mail/, this module is the URLconf of these tests.
urlpatterns = [
    path("staff/mail/", include("consonance.mail.staff_urls")),
    *consonance.urls.urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)

Q = OutboxMessage.State


def queue(**kwargs) -> OutboxMessage:
    message = mail_queue(
        to="bo.berg@example.se",
        template="test_hello",
        context={"first_name": "Bo", "when": "i morgon"},
        **kwargs,
    )
    assert message is not None
    return message


def test_the_outbox_page_needs_a_signed_in_coach(client, db):
    response = client.get("/staff/mail/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_the_outbox_page_shows_counts_failed_messages_and_retries(staff_client):
    queue()
    failed = queue()
    retrying = queue()
    OutboxMessage.objects.filter(pk=failed.pk).update(
        state=Q.FAILED, attempts=12, last_error="SMTPRecipientsRefused 550"
    )
    OutboxMessage.objects.filter(pk=retrying.pk).update(
        attempts=3, last_error="ConnectionRefusedError", next_attempt_at=timezone.now()
    )
    response = staff_client.get("/staff/mail/")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["counts"] == {
        "queued": 2,
        "sending": 0,
        "sent": 0,
        "failed": 1,
        "unknown": 0,
    }
    assert "Utkorgen" in page
    assert "SMTPRecipientsRefused 550" in page
    assert "ConnectionRefusedError" in page and "3 / 12" in page
    # The error in words first; the code after it, for support.
    assert "Mottagarens e-postserver tog inte emot adressen." in page
    assert "E-postservern gick inte att nå." in page
    assert f'action="/staff/mail/{failed.pk}/retry/"' in page
    assert "Skicka igen" in page


def test_an_interrupted_message_is_explained_in_plain_words(staff_client):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=Q.FAILED, last_error="interrupted while sending"
    )
    page = staff_client.get("/staff/mail/").content.decode()
    assert "Avbröts medan det skickades: kan redan ha kommit fram." in page


def test_retry_puts_a_failed_message_back_and_sends_it_once(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=Q.FAILED, attempts=12, last_error="SMTPRecipientsRefused 550"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/staff/mail/{message.pk}/retry/", follow=True)
    assert response.status_code == 200
    assert "Meddelandet skickas igen." in response.content.decode()
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (Q.SENT, 1)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bo.berg@example.se"]
    event = Event.objects.get(action="mail.retried")
    assert event.actor == f"staff:{staff_user.pk}"

    # Retrying what is not failed does nothing and says so.
    response = staff_client.post(f"/staff/mail/{message.pk}/retry/", follow=True)
    assert "Meddelandet skickades inte igen" in response.content.decode()
    assert len(mail.outbox) == 1


def test_retry_is_post_only(staff_client):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(state=Q.FAILED)
    assert staff_client.get(f"/staff/mail/{message.pk}/retry/").status_code == 405
    assert OutboxMessage.objects.get().state == Q.FAILED


def test_the_demo_fills_the_outbox_page_once(staff_client):
    out = io.StringIO()
    people_demo.load(out)
    mail_demo.load(out)
    mail_demo.load(out)
    assert OutboxMessage.objects.filter(state=Q.FAILED).count() == 1
    waiting = OutboxMessage.objects.get(state=Q.QUEUED)
    assert waiting.attempts == 2 and waiting.next_attempt_at > timezone.now()
    assert waiting.language == "en" and waiting.subject.startswith("Hi Maria")
    page = staff_client.get("/staff/mail/").content.decode()
    assert "johan.berg@example.se" in page and "SMTPRecipientsRefused 550" in page
    assert "2 / 12" in page
