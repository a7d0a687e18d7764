"""Background work of the rights app: a daily reminder to the coach about request deadlines,
erasures deferred to after sessions, and the mail a public form asks for (the backups and the
erasure ledger's copy off the machine: operations/tasks.py).

Constant answers (finding 4 of issue 21): the privacy center's link request and the mail to a
new address only queue a job here, the address sealed in its argument (lib/sealed.py: nothing
readable in the task table), so the request does the same work in the same time whether or not
the address is known; the job looks it up and mails, or does nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.sealed import seal, unseal_fresh
from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue
from consonance.rights import address, services, sessions
from consonance.rights.models import Request
from consonance.rights.selectors import requests_due_soon
from consonance.rights.tokens import LINK_MAX_AGE
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)

# Remind when a request is due within this long, or overdue.
REMIND_WITHIN = timedelta(days=3)
# A summary goes at most once a day even if the job runs more often.
REMIND_EVERY = timedelta(hours=20)

LINK_REQUEST = "rights-link-request"
ADDRESS_MAIL = "rights-address-mail"


def rights_link_later(*, email: str, language: str) -> None:
    rights_link_task.enqueue(seal(LINK_REQUEST, [email, language]))


@task()
def rights_link_task(sealed: str) -> bool:
    """Mail the privacy center's link if the address is known (services.rights_link_send)."""
    payload = unseal_fresh(LINK_REQUEST, sealed, max_age=LINK_MAX_AGE)
    if payload is None:
        return False
    email, language = payload
    return services.rights_link_send(email=email, language=language)


def address_mail_later(*, person_id: int, new_email: str, language: str) -> None:
    address_mail_task.enqueue(seal(ADDRESS_MAIL, [person_id, new_email, language]))


@task()
def address_mail_task(sealed: str) -> bool:
    """Mail the address she asked to move to (services.address_change_mail)."""
    payload = unseal_fresh(ADDRESS_MAIL, sealed, max_age=LINK_MAX_AGE)
    if payload is None:
        return False
    person_id, new_email, language = payload
    return address.address_change_mail(person_id=person_id, new_email=new_email, language=language)


PERIODIC = [
    Periodic(
        "rights-remind", every=timedelta(days=1), task="consonance.rights.tasks.rights_remind_task"
    ),
    Periodic(
        "rights-deferred-erasures",
        every=timedelta(hours=1),
        task="consonance.rights.tasks.rights_deferred_erasures_task",
    ),
]


def staff_email() -> str:
    return getattr(settings, "CONSONANCE_STAFF_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


@task
def rights_remind_task() -> int:
    """Mail the coach one summary of open requests near or past their due date.

    No personal data in it: request numbers, kinds and deadlines, and a link to /staff/rights/.
    Returns the number of requests in the summary (0: nothing sent).
    """

    now = timezone.now()
    with transaction.atomic():
        due = list(requests_due_soon(now=now, within=REMIND_WITHIN).select_for_update(of=("self",)))
        if not due or all(
            r.last_reminded_at and r.last_reminded_at > now - REMIND_EVERY for r in due
        ):
            return 0
        rows = [
            {
                "id": r.pk,
                "kind": r.get_kind_display(),
                "due_at": r.due_at,
                "overdue": r.due_at < now,
            }
            for r in due
        ]
        mail_queue(
            to=staff_email(),
            template="rights_reminder",
            context={
                "requests": rows,
                "overdue": sum(1 for r in rows if r["overdue"]),
                "url": absolute_reverse("rights_staff:index"),
            },
            language="sv",
        )
        Request.objects.filter(pk__in=[r.pk for r in due]).update(last_reminded_at=now)
        audit_append(
            actor=SYSTEM,
            action="rights.reminder_sent",
            detail={"requests": [r.pk for r in due]},
        )
    log.info("rights reminder sent for %s request(s)", len(due))
    return len(due)


@task
def rights_deferred_erasures_task() -> int:
    """Hourly: erase those who kept their booked sessions once the last one is over."""
    return sessions.deferred_erasures_run()
