from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consonance.privacy.retention import RunReport, retention_run


def parse_now(text: str) -> dt.datetime:
    """An ISO-8601 moment; without a zone it is read in Europe/Stockholm."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--now {text!r} is not an ISO-8601 date or time, e.g. 2027-01-01T03:00:00+01:00"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "The retention engine: `run` applies every retention rule of the policy in force."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Apply the retention rules now (or as of --now).")
        run.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        run.add_argument("--now", help="Apply the rules as of this ISO-8601 moment.")
        run.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, action: str, **options) -> None:
        now = parse_now(options["now"]) if options.get("now") is not None else timezone.now()
        report = retention_run(now=now, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._table(report)

    def _table(self, report: RunReport) -> None:
        title = "Dry run (nothing changed)" if report.dry_run else "Retention run"
        self.stdout.write(f"{title} as of {report.now}, {report.duration_ms:.0f} ms")
        header = f"{'rule':28} {'promise':7} {'matched':>8} {'deleted':>8} {'anonymised':>10} {'minimised':>9} {'skipped':>8}"
        self.stdout.write(header)
        for r in report.rules:
            self.stdout.write(
                f"{r.id:28} {r.promise:7} {r.matched:8} {r.deleted:8} {r.anonymised:10} "
                f"{r.minimised:9} {r.skipped:8}"
            )
