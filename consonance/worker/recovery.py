"""Tasks that survive a dead worker (issue 12).

A worker killed while running a task (kill -9, a crash, the machine going down) leaves its row
RUNNING for ever: django-tasks-db has no lease. Every tick of `consonance worker` puts a task that
has been RUNNING longer than settings.TASK_TIMEOUT back to READY, so the next worker runs it
again. Every Consonance task is idempotent (they pass ids, re-fetch and act on a conditional
update: mail_send claims a queued message once, and a message whose send was interrupted goes to
"unknown", never re-sent without the coach), so running one twice does no harm.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("consonance.worker")


def requeue_abandoned(now=None) -> int:
    """Put tasks left RUNNING longer than TASK_TIMEOUT back in the queue; returns how many."""
    now = now or timezone.now()
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - settings.TASK_TIMEOUT
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        log.warning("%s task(s) abandoned by a dead worker put back in the queue", count)
    return count
