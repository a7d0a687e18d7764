"""The contact app's periodic job: forget the rate-limit hashes and spent challenges after a day."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.contact.protection import protection_purge
from consonance.worker.schedule import Periodic

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
