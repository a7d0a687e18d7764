"""The contact app's background work: filing a message sent with the form, and forgetting the
rate-limit hashes and spent challenges after a day.

The form only queues the filing job (finding 4 of issue 21), the message sealed in its argument
(lib/sealed.py), so the page does the same work in the same time whether or not the sender's
address is known; the job files it under her person, or a new one."""

from __future__ import annotations

import datetime as dt
import logging
import time
from datetime import timedelta

from django.tasks import task

from consonance.audit.services import SYSTEM
from consonance.contact import services
from consonance.contact.protection import protection_purge
from consonance.lib.sealed import seal, unseal_fresh
from consonance.worker.schedule import Periodic

log = logging.getLogger("consonance.contact")

RECEIVE = "contact-message"
# A message is never dropped for waiting: a month covers any outage of the worker.
RECEIVE_MAX_AGE = 30 * 24 * 3600


def message_receive_later(*, email: str, name: str, body: str, language: str) -> None:
    message_receive_task.enqueue(seal(RECEIVE, [email, name, body, language, time.time()]))


@task()
def message_receive_task(sealed: str) -> bool:
    payload = unseal_fresh(RECEIVE, sealed, max_age=RECEIVE_MAX_AGE)
    if payload is None:
        log.error("contact form: a queued message could not be opened")
        return False
    email, name, body, language, sent_at = payload
    message = services.message_receive(
        email=email,
        name=name,
        body=body,
        language=language,
        actor=SYSTEM,
        received_at=dt.datetime.fromtimestamp(sent_at, tz=dt.UTC),
    )
    log.info("contact form: message %s received", message.pk)
    return True


PERIODIC = [
    Periodic(
        "contact-purge",
        every=timedelta(hours=1),
        task="consonance.contact.tasks.contact_purge_task",
    ),
]


@task()
def contact_purge_task() -> int:
    return protection_purge()
