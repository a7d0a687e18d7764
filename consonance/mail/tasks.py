"""The mail worker's schedule: one task per queued message, a flush every minute, a purge of
what was sent every ten, and the mailbox read every two. The engine is in sending.py (the
delivery guarantees are in its docstring); the outbox hands each new message to mail_send_task.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from consonance.mail.ingest import IngestError, ingest_once
from consonance.mail.models import OutboxMessage
from consonance.mail.sending import STUCK_AFTER, mail_purge, mail_send
from consonance.worker.schedule import Periodic

log = logging.getLogger("consonance.mail")

FLUSH_BATCH = 500

PERIODIC = [
    Periodic(
        "mail-flush", every=timedelta(minutes=1), task="consonance.mail.tasks.mail_flush_task"
    ),
    Periodic(
        "mail-purge", every=timedelta(minutes=10), task="consonance.mail.tasks.mail_purge_task"
    ),
    # P16/P17 promise 48 hours; every two minutes files mail "within minutes".
    Periodic(
        "mail-ingest", every=timedelta(minutes=2), task="consonance.mail.tasks.mail_ingest_task"
    ),
]

Q = OutboxMessage.State


@task()
def mail_send_task(message_id: int) -> str:
    return mail_send(message_id)


def mail_flush(now=None) -> dict[str, int]:
    """Mark messages stuck in "sending" as unknown and enqueue every due queued message."""
    now = now or timezone.now()
    stuck = list(
        OutboxMessage.objects.filter(state=Q.SENDING, claimed_at__lt=now - STUCK_AFTER).values_list(
            "pk", flat=True
        )
    )
    if stuck:
        OutboxMessage.objects.filter(pk__in=stuck, state=Q.SENDING).update(
            state=Q.UNKNOWN, last_error="interrupted while sending", claimed_at=None
        )
        log.warning("mail %s interrupted while sending: delivery unknown, not resent", stuck)
    due = list(
        OutboxMessage.objects.filter(state=Q.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    for pk in due:
        mail_send_task.enqueue(pk)
    return {"stuck": len(stuck), "enqueued": len(due)}


@task()
def mail_flush_task() -> dict[str, int]:
    return mail_flush()


@task()
def mail_purge_task() -> dict[str, int]:
    return mail_purge()


@task()
def mail_ingest_task() -> dict[str, int]:
    """One pass over the coach's mailbox; nothing to do while no IMAP host is configured."""
    if not settings.CONSONANCE_IMAP_HOST:
        return {}
    try:
        return ingest_once().as_dict()
    except IngestError as error:
        log.error("mail ingest failed: %s", error)
        return {"errors": 1}
