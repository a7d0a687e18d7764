"""The outbox with the real worker and its database queue: `consonance worker` sends after commit,
and the every-minute "mail-flush" delivers what waited while the SMTP server was down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consonance.audit.services import audit_verify
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.worker.models import PeriodicJob
from consonance.worker.schedule import schedule

pytestmark = pytest.mark.django_db(transaction=True)

Q = OutboxMessage.State


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queue() -> OutboxMessage:
    with transaction.atomic():
        message = mail_queue(
            to="cecilia.carlsson@example.se",
            template="test_hello",
            context={"first_name": "Cecilia", "when": "på fredag"},
            language="en",
        )
    assert message is not None
    return message


def send_tasks() -> int:
    return DBTaskResult.objects.filter(task_path="consonance.mail.tasks.mail_send_task").count()


def test_the_mail_jobs_are_on_the_worker_schedule():
    jobs = {job.name: job for job in schedule()}
    assert jobs["mail-flush"].every == timedelta(minutes=1)
    assert jobs["mail-flush"].task == "consonance.mail.tasks.mail_flush_task"
    assert jobs["mail-purge"].task == "consonance.mail.tasks.mail_purge_task"


def test_the_worker_sends_a_committed_message_once_and_the_purge_removes_it(
    database_queue,
    smtp_server,
):
    with transaction.atomic():
        mail_queue(
            to="cecilia.carlsson@example.se",
            template="test_hello",
            context={"first_name": "Cecilia", "when": "on Friday"},
            language="en",
        )
        assert send_tasks() == 0  # enqueued only once the transaction commits
    assert send_tasks() == 1
    assert smtp_server.messages == []  # the web request does not wait for SMTP

    call_command("worker", "--once")
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Subject"] == "Hi Cecilia, welcome to Consonance Communication"
    # Sent mail is not kept: the policy deletes messages 0 hours after the reply.
    assert OutboxMessage.objects.count() == 0
    call_command("worker", "--once")
    assert len(smtp_server.messages) == 1
    assert audit_verify()[1] is None


def test_a_message_waits_out_an_smtp_outage_and_the_flush_delivers_it(
    database_queue,
    smtp_server,
):
    smtp_server.stop()
    message = queue()
    call_command("worker", "--once")
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts, row.last_error) == (Q.QUEUED, 1, "ConnectionRefusedError")

    smtp_server.start()
    # A minute and more later: the backoff has passed and mail-flush is due again.
    later = timezone.now() - timedelta(minutes=2)
    OutboxMessage.objects.update(next_attempt_at=later)
    PeriodicJob.objects.update(last_enqueued_at=later)
    call_command("worker", "--once")
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"].strip() == message.message_id
    assert not OutboxMessage.objects.filter(state=Q.QUEUED).exists()


def test_the_system_checks_accept_the_mail_declarations():
    problems = [m for m in checks.run_checks(tags=["consonance"]) if "mail." in m.msg]
    assert problems == []
