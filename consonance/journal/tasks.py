"""The journal's periodic job: e-mail consultations complete by themselves when their days end."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.journal.consultations import consultations_complete_due
from consonance.worker.schedule import Periodic

PERIODIC = [
    Periodic(
        "journal-consultations-complete",
        every=timedelta(hours=1),
        task="consonance.journal.tasks.journal_complete_task",
    ),
]


@task()
def journal_complete_task() -> int:
    return consultations_complete_due()
