"""Bookkeeping's background work: vouchers go to Fortnox every minute when it is connected."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.bookkeeping.fortnox import fortnox_sync, is_configured
from consonance.worker.schedule import Periodic


@task
def fortnox_sync_task() -> dict[str, int]:
    if not is_configured():
        return {}
    return fortnox_sync()


PERIODIC = [
    Periodic(
        name="fortnox-sync",
        every=timedelta(minutes=1),
        task="consonance.bookkeeping.tasks.fortnox_sync_task",
    )
]
