"""The outbox against a real SMTP server on loopback: after commit only, never lost, never twice."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection, models, transaction
from django.utils import timezone

from consonance.audit.models import Event
from consonance.mail.models import OutboxMessage, Suppression
from consonance.mail.outbox import (
    mail_forget,
    mail_is_suppressed,
    mail_queue,
    mail_retry,
    mail_suppress,
    mail_unsuppress,
)
from consonance.mail.sending import MAX_ATTEMPTS, STUCK_AFTER, backoff, mail_purge, mail_send
from consonance.mail.tasks import mail_flush, mail_send_task
from consonance.people.models import Person

ADDRESS = "anna.andersson@example.se"
CONTEXT = {"first_name": "Anna", "when": "tisdag 3 mars kl. 10.00"}

Q = OutboxMessage.State


def queue(**kwargs) -> OutboxMessage | None:
    arguments = {"to": ADDRESS, "template": "test_hello", "context": CONTEXT} | kwargs
    return mail_queue(**arguments)


def make_due() -> None:
    """The backoff has passed: every queued message is due now."""
    OutboxMessage.objects.filter(state=Q.QUEUED).update(next_attempt_at=timezone.now())


# --- after commit, and only then ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_sent_by_smtp_after_the_transaction_commits_and_not_before(
    smtp_server,
):
    with transaction.atomic():
        message = queue()
        assert message is not None
        assert OutboxMessage.objects.get().state == Q.QUEUED
        assert smtp_server.messages == []
    assert len(smtp_server.messages) == 1
    sent = smtp_server.messages[0]
    assert sent["To"] == ADDRESS
    assert sent["Subject"] == "Hej Anna, välkommen till Consonance Communication"
    assert sent["Message-ID"].strip() == message.message_id
    assert sent["Content-Language"] == "sv"
    text = sent.get_body(("plain",)).get_content()
    assert "Hej Anna!" in text and "tisdag 3 mars kl. 10.00" in text
    html = sent.get_body(("html",)).get_content()
    assert '<html lang="sv">' in html and "<h1" in html
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts, row.last_error) == (Q.SENT, 1, "")
    assert row.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_stores_and_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the booking failed")
    assert OutboxMessage.objects.count() == 0
    assert mail_flush() == {"stuck": 0, "enqueued": 0}
    assert smtp_server.messages == []


def test_the_message_is_in_the_callers_transaction_and_enqueued_on_commit(
    db,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue()
    assert len(callbacks) == 1
    assert smtp_server.messages == []
    callbacks[0]()
    assert len(smtp_server.messages) == 1


# --- never lost ---------------------------------------------------------------------------------


def test_when_smtp_is_down_the_message_stays_queued_with_backoff_and_is_sent_once_it_is_back(
    db,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (Q.QUEUED, 1)
    assert row.last_error == "ConnectionRefusedError"
    assert timedelta(seconds=55) < row.next_attempt_at - timezone.now() <= timedelta(minutes=1)

    # Not due yet: the flush leaves it alone.
    assert mail_flush()["enqueued"] == 0
    assert OutboxMessage.objects.get().attempts == 1

    # Due, still down: a second attempt, twice the wait.
    make_due()
    assert mail_flush()["enqueued"] == 1
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == (Q.QUEUED, 2)
    assert timedelta(seconds=115) < row.next_attempt_at - timezone.now() <= timedelta(minutes=2)

    smtp_server.start()
    make_due()
    assert mail_flush()["enqueued"] == 1
    assert len(smtp_server.messages) == 1
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == (Q.SENT, 3)
    assert smtp_server.messages[0]["Message-ID"].strip() == message.message_id


def test_backoff_doubles_from_one_minute_up_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 10)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


def test_after_the_last_attempt_the_message_is_marked_failed_and_the_id_is_logged(
    db,
    smtp_server,
    caplog,
):
    smtp_server.stop()
    message = queue()
    caplog.set_level(logging.INFO, logger="consonance.mail")
    for _ in range(MAX_ATTEMPTS):
        make_due()
        mail_flush()
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts, row.last_error) == (
        Q.FAILED,
        MAX_ATTEMPTS,
        "ConnectionRefusedError",
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"mail {message.pk} failed after {MAX_ATTEMPTS} attempts: ConnectionRefusedError"
    ]
    make_due()
    assert mail_flush()["enqueued"] == 0


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_is_retried(
    db,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    smtp_server.refuse_recipients = 550
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
    row = OutboxMessage.objects.get(pk=first.pk)
    assert (row.state, row.attempts, row.last_error) == (Q.FAILED, 1, "SMTPRecipientsRefused 550")

    smtp_server.refuse_recipients = 450
    with django_capture_on_commit_callbacks(execute=True):
        second = queue()
    row = OutboxMessage.objects.get(pk=second.pk)
    assert (row.state, row.attempts, row.last_error) == (Q.QUEUED, 1, "SMTPRecipientsRefused 450")
    assert smtp_server.messages == []


# --- never twice --------------------------------------------------------------------------------


def test_running_the_send_task_again_does_not_send_again(db, smtp_server):
    message = queue()
    assert mail_send(message.pk) == "sent"
    assert mail_send(message.pk) == "skipped"
    mail_send_task.enqueue(message.pk)
    make_due()
    mail_flush()
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_message_at_once_deliver_one_copy(smtp_server):
    smtp_server.delay = 0.5  # the first worker is still talking to SMTP when the second comes
    message = queue(person_id=None)
    smtp_server.messages.clear()  # on_commit already sent it in a transactional test; start over
    OutboxMessage.objects.filter(pk=message.pk).update(state=Q.QUEUED, sent_at=None, attempts=0)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(mail_send(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp_server.messages) == 1
    assert OutboxMessage.objects.get().state == Q.SENT


def test_a_message_stuck_in_sending_is_marked_unknown_not_resent_and_the_coach_can_confirm_a_retry(
    db,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    message = queue()
    # The worker claimed it, then died before recording the outcome.
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=Q.SENDING, attempts=1, claimed_at=timezone.now() - STUCK_AFTER / 2
    )
    assert mail_flush() == {"stuck": 0, "enqueued": 0}  # not stuck yet: maybe still sending
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - STUCK_AFTER - timedelta(seconds=1)
    )
    assert mail_flush() == {"stuck": 1, "enqueued": 0}
    row = OutboxMessage.objects.get()
    assert (row.state, row.last_error) == (Q.UNKNOWN, "interrupted while sending")
    assert smtp_server.messages == []
    assert mail_retry(message_id=message.pk, actor="staff:1") is False  # not without confirming

    with django_capture_on_commit_callbacks(execute=True):
        assert mail_retry(message_id=message.pk, actor="staff:1", confirm_unknown=True) is True
    assert OutboxMessage.objects.get().state == Q.SENT
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"].strip() == message.message_id
    assert Event.objects.filter(action="mail.retried", actor="staff:1").count() == 1
    assert mail_retry(message_id=message.pk, actor="staff:1") is False  # sent: nothing to retry


# --- languages and content ----------------------------------------------------------------------


def test_templates_render_in_swedish_and_in_english(db, smtp_server):
    swedish = queue(language="sv")
    english = queue(language="en", context={"first_name": "Anna", "when": "Tuesday 3 March"})
    assert swedish.subject == "Hej Anna, välkommen till Consonance Communication"
    assert english.subject == "Hi Anna, welcome to Consonance Communication"
    assert "Det här är ett provmeddelande från utkorgen." in swedish.body_text
    assert "This is a test message from the outbox." in english.body_text
    assert "You are booked for Tuesday 3 March." in english.body_html
    assert '<html lang="en">' in english.body_html
    mail_send(english.pk)
    assert smtp_server.messages[0]["Content-Language"] == "en"


def test_text_bodies_are_not_html_escaped_and_html_bodies_are(db):
    message = queue(context={"first_name": "Åsa & <Co>", "when": "i morgon"})
    assert "Hej Åsa & <Co>!" in message.body_text
    assert message.subject.startswith("Hej Åsa & <Co>,")
    assert "Hej Åsa &amp; &lt;Co&gt;!" in message.body_html


def test_attachments_and_extra_headers_are_delivered(db, smtp_server):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    message = queue(
        attachments=[("bokning.ics", ics, "text/calendar")],
        headers={"List-Unsubscribe": "<https://example.se/u/abc>"},
    )
    assert mail_send(message.pk) == "sent"
    sent = smtp_server.messages[0]
    assert sent["List-Unsubscribe"] == "<https://example.se/u/abc>"
    attachments = list(sent.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["bokning.ics"]
    assert attachments[0].get_content_type() == "text/calendar"
    assert attachments[0].get_content().replace("\r\n", "\n") == ics.decode().replace("\r\n", "\n")


def test_bad_input_is_refused_and_nothing_is_stored(db):
    with pytest.raises(ValueError, match="not a valid e-mail address"):
        queue(to="not-an-address")
    with pytest.raises(ValueError, match="bad mail header"):
        queue(headers={"X-Evil": "a\r\nBcc: someone@example.se"})
    with pytest.raises(ValueError, match="set by the outbox"):
        queue(headers={"Bcc": "someone@example.se"})
    with pytest.raises(ValueError, match="'no_such_message' declares no purpose"):
        queue(template="no_such_message")
    with pytest.raises(ValueError, match="unknown language"):
        queue(language="de")
    assert OutboxMessage.objects.count() == 0


# --- suppression --------------------------------------------------------------------------------


def test_a_suppressed_address_gets_nothing_but_the_erasure_receipt_bypasses_it(
    db,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    assert mail_suppress(email=" Anna.Andersson@EXAMPLE.se ", reason="erasure") is True
    assert mail_suppress(email=ADDRESS, reason="erasure") is False  # idempotent
    assert mail_is_suppressed(ADDRESS)
    assert not mail_is_suppressed("someone.else@example.se")

    with django_capture_on_commit_callbacks(execute=True):
        assert queue() is None
        assert queue(to="Anna.Andersson@example.se") is None
        receipt = queue(bypass_suppression=True)
    assert receipt is not None
    assert len(smtp_server.messages) == 1
    # The receipt, the last trace of the address, is deleted the moment it is sent.
    assert OutboxMessage.objects.count() == 0

    assert mail_unsuppress(email=ADDRESS) is True
    assert mail_unsuppress(email=ADDRESS) is False
    assert queue() is not None


def test_the_suppression_list_holds_a_keyed_hash_never_the_address(db):
    mail_suppress(email=ADDRESS, reason="erasure")
    row = Suppression.objects.get()
    assert len(row.address_hash) == 64
    stored = " ".join(str(v) for v in Suppression.objects.values_list().get())
    assert "anna" not in stored.lower() and "example" not in stored
    assert not Event.objects.filter(detail__icontains="anna").exists()


def test_an_address_suppressed_after_queueing_is_not_sent_to(db, smtp_server):
    message = queue()
    mail_suppress(email=ADDRESS, reason="erasure")
    assert mail_send(message.pk) == "failed"
    assert OutboxMessage.objects.get().last_error == "suppressed"
    assert smtp_server.messages == []


def test_forgetting_an_address_deletes_all_its_outbox_messages_and_nothing_else(db):
    person = Person.objects.create(email=ADDRESS, first_name="Anna", last_name="Andersson")
    queue(person_id=person.pk)
    queue(to="Anna.Andersson@example.se")  # no person link: found by the address
    other = queue(to="bo.berg@example.se")
    assert mail_forget(email=ADDRESS, actor="staff:1") == 2
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [other.pk]
    assert Event.objects.get(action="mail.forgotten").detail == '{"count":2}'
    assert mail_forget(email=ADDRESS) == 0


# --- retention ----------------------------------------------------------------------------------


def test_sent_messages_are_purged_as_the_policy_says_and_failed_ones_after_30_days(
    db,
    smtp_server,
):
    sent = queue()
    mail_send(sent.pk)
    waiting = queue()
    old_failed = queue()
    new_failed = queue()
    OutboxMessage.objects.filter(pk__in=[old_failed.pk, new_failed.pk]).update(state=Q.FAILED)
    OutboxMessage.objects.filter(pk=old_failed.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert mail_purge() == {"sent": 1, "failed": 1}
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {waiting.pk, new_failed.pk}
    assert Event.objects.filter(action="mail.purged").count() == 1
    assert mail_purge() == {"sent": 0, "failed": 0}


def test_a_queued_message_is_linked_to_its_person_and_audited_without_the_address(db):
    person = Person.objects.create(email=ADDRESS, first_name="Anna", last_name="Andersson")
    message = queue(person_id=person.pk)
    assert OutboxMessage.objects.get().person_id == person.pk
    event = Event.objects.get(action="mail.queued")
    assert (event.subject_id, event.category) == (person.pk, "sent_email")
    assert str(message.pk) in event.detail and "anna" not in event.detail.lower()
    # Deleting the person keeps nothing pointing at her (the row itself goes with erasure).
    assert OutboxMessage._meta.get_field("person").remote_field.on_delete is models.SET_NULL


# --- no personal data in logs or the audit log --------------------------------------------------


def test_no_personal_data_reaches_the_logs_or_the_audit_log(
    db,
    smtp_server,
    caplog,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        queue()  # sent
    smtp_server.refuse_recipients = 550
    with django_capture_on_commit_callbacks(execute=True):
        queue()  # refused permanently; the server's reply quotes the address
    smtp_server.refuse_recipients = 0
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        queue()  # connection refused
    mail_suppress(email=ADDRESS, reason="erasure")
    queue()  # suppressed
    mail_purge()

    assert caplog.records, "the outbox logs what it does"
    for record in caplog.records:
        if record.name.startswith("mail.log"):
            continue  # the test SMTP server's own log, not the site's
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}".lower()
        for secret in ("anna", "andersson", "example.se", "tisdag"):
            assert secret not in text, record.getMessage()
    for detail in Event.objects.values_list("detail", flat=True):
        assert "anna" not in detail.lower()
