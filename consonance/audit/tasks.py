from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from consonance.audit.services import audit_verify
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)


@task
def audit_verify_task() -> int:
    """Daily: verify the chain, so that tampering shows up in the logs within a day."""
    count, broken = audit_verify()
    if broken:
        log.error("audit chain broken at event #%s: %s", broken.seq, broken.reason)
    else:
        log.info("audit chain intact: %s events", count)
    return count


PERIODIC = [Periodic("audit-verify", timedelta(days=1), "consonance.audit.tasks.audit_verify_task")]
