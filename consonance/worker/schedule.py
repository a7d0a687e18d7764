"""The worker's periodic schedule: which tasks run how often.

Each app adds its periodic tasks to SCHEDULE. `enqueue_due()` is called by `consonance worker`
on every tick; a row per job, updated under a lock, makes sure that a task is enqueued once per
period even with several workers or after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.db import transaction
from django.utils import timezone

from consonance.worker.models import PeriodicJob


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every: timedelta
    task: str  # dotted path to a django.tasks Task


SCHEDULE: list[Periodic] = [
    Periodic("audit-verify", timedelta(days=1), "consonance.audit.tasks.audit_verify_task"),
]


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def enqueue_due(now=None) -> list[str]:
    now = now or timezone.now()
    enqueued = []
    for job in SCHEDULE:
        with transaction.atomic():
            row, created = PeriodicJob.objects.select_for_update().get_or_create(
                name=job.name, defaults={"last_enqueued_at": now}
            )
            if not created and row.last_enqueued_at + job.every > now:
                continue
            row.last_enqueued_at = now
            row.save(update_fields=["last_enqueued_at"])
            _task(job.task).enqueue()
            enqueued.append(job.name)
    return enqueued
