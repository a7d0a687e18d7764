"""People's background work: legal-hold keys are destroyed the day after their hold ends."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from consonance.people.keys import hold_keys_expire
from consonance.worker.schedule import Periodic


@task
def hold_keys_task() -> dict[str, int]:
    return {"destroyed": hold_keys_expire(today=timezone.localdate())}


PERIODIC = [
    Periodic(
        name="hold-keys", every=timedelta(days=1), task="consonance.people.tasks.hold_keys_task"
    )
]
