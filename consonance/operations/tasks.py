"""Background work of operations: the daily backup with its copy off the machine, the erasure
ledger's copy off the machine, and the rotation of key backups."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from consonance.operations.backup_keys import ROTATE_EVERY
from consonance.operations.backup_offsite import (
    backup_take,
    keys_refresh,
    keys_rotate_everywhere,
    ledger_push,
)
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)

PERIODIC = [
    Periodic("backup", every=timedelta(days=1), task="consonance.operations.tasks.backup_task"),
    Periodic(
        "erasure-ledger-offsite",
        every=timedelta(hours=1),
        task="consonance.operations.tasks.ledger_push_task",
    ),
    Periodic(
        "key-backups-rotate",
        every=ROTATE_EVERY,  # which erasure receipts count on
        task="consonance.operations.tasks.keys_rotate_task",
    ),
]


@task()
def backup_task() -> str:
    """The daily backup (issue 12), its verified copy off the machine, then the rotation of the
    old ones. A failed upload raises OffsiteError, so the task shows as failed."""
    taken = backup_take()
    log.info(
        "backup written (%s bytes)%s; %s old copy(ies) deleted",
        taken.path.stat().st_size,
        f", uploaded to {taken.url} and verified" if taken.url else "",
        taken.deleted_local + taken.deleted_offsite,
    )
    return taken.path.name


@task
def ledger_push_task() -> bool:
    """Hourly: the erasure ledger's copy in the bucket catches up with the backup folder's (after
    an erasure whose upload failed). A failed upload raises OffsiteError: the task fails."""
    return ledger_push()


@task
def keys_rotate_task() -> int:
    """Hourly: delete the key backups older than CONSONANCE_KEY_BACKUP_DAYS, here and in the
    bucket, so that a destroyed person key is gone from every copy by the day her erasure
    receipt names; and, when the daily backup has not run for a day, write a fresh key backup
    (keys_refresh) so that the backups still restore with their keys. A bucket that cannot be
    listed or written raises OffsiteError: the task fails."""
    keys_refresh()
    return keys_rotate_everywhere()
