"""The worker's periodic schedule: which tasks run how often.

Each app lists its periodic tasks in its own `tasks.py` as `PERIODIC = [Periodic(...)]`, next to
the tasks themselves. `enqueue_due()` is called by `consonance worker` on every tick; a row per
job, updated under a lock, makes sure that a task is enqueued once per period even with several
workers or after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from consonance.worker.models import PeriodicJob


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every: timedelta
    task: str  # dotted path to a django.tasks Task


@cache
def schedule() -> tuple[Periodic, ...]:
    """Every app's PERIODIC list, in app order."""
    jobs: list[Periodic] = []
    for app in apps.get_app_configs():
        if not app.name.startswith("consonance."):
            continue
        try:
            module = import_module(f"{app.name}.tasks")
        except ModuleNotFoundError as error:
            if error.name != f"{app.name}.tasks":
                raise
            continue
        jobs.extend(getattr(module, "PERIODIC", ()))
    return tuple(jobs)


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def enqueue_due(now=None) -> list[str]:
    now = now or timezone.now()
    enqueued = []
    for job in schedule():
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
