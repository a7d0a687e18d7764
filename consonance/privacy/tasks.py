from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from consonance.privacy.retention import retention_run
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)


@task
def retention_task() -> dict:
    """Hourly: apply every retention rule of the policy in force (see privacy/retention.py)."""
    report = retention_run()
    for rule in report.rules:
        if rule.changed or rule.skipped:
            log.info(
                "retention %s: matched=%s deleted=%s anonymised=%s minimised=%s skipped=%s",
                rule.id,
                rule.matched,
                rule.deleted,
                rule.anonymised,
                rule.minimised,
                rule.skipped,
            )
    return {
        "run": report.run_id,
        "rules": len(report.rules),
        "changed": report.changed,
        "duration_ms": report.duration_ms,
    }


PERIODIC = [Periodic("retention", timedelta(hours=1), "consonance.privacy.tasks.retention_task")]
