"""The web app's periodic job: on the day the practice closes, carry the closure out."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.web.closure import closure_due
from consonance.worker.schedule import Periodic

PERIODIC = [
    Periodic(
        "practice-closure-due",
        every=timedelta(hours=1),
        task="consonance.web.tasks.practice_closure_task",
    ),
]


@task()
def practice_closure_task() -> int:
    return closure_due()
