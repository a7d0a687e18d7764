from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from consonance.audit.services import audit_verify_and_record
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)


@task
def audit_verify_task() -> int:
    """Daily: verify the chain, so that tampering shows up in the logs within a day."""
    result = audit_verify_and_record()
    if result.broken_seq is not None:
        log.error("audit chain broken at event #%s: %s", result.broken_seq, result.reason)
    else:
        log.info("audit chain intact: %s events", result.events)
    return result.events


PERIODIC = [Periodic("audit-verify", timedelta(days=1), "consonance.audit.tasks.audit_verify_task")]
