"""Is the practice running? One set of checks for two readers: `/healthz` (JSON for an uptime
monitor) and the coach's overview (one calm sentence when something needs the server's keeper).

Each check is one cheap query or a look at the backup folder; none reads personal data: ages,
counts and yes/no only. Thresholds (README, "Monitoring"):

- database: answers a query;
- migrations: every migration on disk is applied (the graph is read once per process, the
  applied ones every time);
- worker: its heartbeat (worker/heartbeat.py) is at most WORKER_SILENT old (the worker beats
  every few seconds when idle and after every task);
- backup: the newest file in the backup folder is at most BACKUP_OLD old (one is taken daily);
- mail_queue: no message has waited to be sent longer than MAIL_STUCK (unsent and not given up;
  the outbox retries with backoff, so an SMTP server that is down shows here);
- failed_tasks: no background task failed within FAILED_WINDOW (the admins got a mail for each).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.tasks import TaskResultStatus
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from consonance.lib.time import local, local_date
from consonance.mail.selectors import outbox_oldest_unsent
from consonance.operations.backup_files import backup_times
from consonance.worker.heartbeat import heartbeat_last

WORKER_SILENT = dt.timedelta(minutes=5)
BACKUP_OLD = dt.timedelta(hours=26)
MAIL_STUCK = dt.timedelta(minutes=15)
FAILED_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    since: dt.datetime | None = None  # the heartbeat, the backup, the oldest waiting mail
    count: int | None = None  # unapplied migrations, failed tasks, waiting mail
    limit: dt.timedelta | None = None

    def as_json(self, now: dt.datetime) -> dict:
        entry: dict[str, object] = {"ok": self.ok}
        if self.limit is not None:
            age = (now - self.since).total_seconds() if self.since else None
            entry["age_seconds"] = round(age) if age is not None else None
            entry["limit_seconds"] = round(self.limit.total_seconds())
        if self.count is not None:
            entry["count"] = self.count
        return entry


@cache
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Check("database", ok=False)
    return Check("database", ok=True)


def _migrations() -> Check:
    applied = set(MigrationRecorder(connection).applied_migrations())
    missing = len(_migrations_on_disk() - applied)
    return Check("migrations", ok=not missing, count=missing)


def _worker(now: dt.datetime) -> Check:
    last = heartbeat_last()
    return Check(
        "worker", ok=bool(last and now - last <= WORKER_SILENT), since=last, limit=WORKER_SILENT
    )


def _backup(now: dt.datetime) -> Check:
    times = backup_times()
    last = times[-1] if times else None
    return Check("backup", ok=bool(last and now - last <= BACKUP_OLD), since=last, limit=BACKUP_OLD)


def _mail_queue(now: dt.datetime) -> Check:
    oldest, waiting = outbox_oldest_unsent()
    ok = oldest is None or now - oldest <= MAIL_STUCK
    return Check("mail_queue", ok=ok, since=oldest, count=waiting, limit=MAIL_STUCK)


def _failed_tasks(now: dt.datetime) -> Check:
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__gte=now - FAILED_WINDOW
    ).count()
    return Check("failed_tasks", ok=not failed, count=failed)


def health_checks(now: dt.datetime) -> list[Check]:
    """Every check; when the database does not answer, the others are not tried."""
    database = _database()
    if not database.ok:
        names = ("migrations", "worker", "backup", "mail_queue", "failed_tasks")
        return [database, *(Check(name, ok=False) for name in names)]
    return [
        database,
        _migrations(),
        _worker(now),
        _backup(now),
        _mail_queue(now),
        _failed_tasks(now),
    ]


def health_json(checks: list[Check], now: dt.datetime) -> dict:
    return {
        "status": "ok" if all(c.ok for c in checks) else "failing",
        "checks": {c.name: c.as_json(now) for c in checks},
    }


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    """ "kl. 14:05" today, "3 mars kl. 14:05" another day (in the active language)."""
    at = local(moment)
    clock = formats.time_format(at, "H:i")
    if at.date() == local_date(now):
        return _("kl. %(time)s") % {"time": clock}
    return _("%(day)s kl. %(time)s") % {"day": formats.date_format(at, "j F"), "time": clock}


def _part(check: Check, now: dt.datetime) -> str:
    when = _when(check.since, now) if check.since else ""
    if check.name == "worker":
        if not check.since:
            return _("bakgrundsarbetet har inte startat")
        return _("bakgrundsarbetet har inte kört sedan %(when)s") % {"when": when}
    if check.name == "failed_tasks":
        return ngettext(
            "%(count)d bakgrundsuppgift har misslyckats det senaste dygnet",
            "%(count)d bakgrundsuppgifter har misslyckats det senaste dygnet",
            check.count or 0,
        ) % {"count": check.count or 0}
    if check.name == "mail_queue":
        return _("e-post har väntat på att skickas sedan %(when)s") % {"when": when}
    if check.name == "backup":
        if not check.since:
            return _("ingen säkerhetskopia har tagits än")
        return _("den senaste säkerhetskopian togs %(when)s") % {"when": when}
    return _("webbplatsen väntar på en uppdatering av databasen")


def health_sentence(checks: list[Check], now: dt.datetime) -> str:
    """One line for the coach, or "" when all is well."""
    parts = [_part(c, now) for c in checks if not c.ok and c.name != "database"]
    if not parts:
        return ""
    listed = (
        parts[0]
        if len(parts) == 1
        else _("%(first)s och %(last)s")
        % {
            "first": ", ".join(parts[:-1]),
            "last": parts[-1],
        }
    )
    sentence = _("%(problems)s – säg till den som sköter servern.") % {"problems": listed}
    return sentence[0].upper() + sentence[1:]
