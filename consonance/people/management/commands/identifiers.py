"""`consonance identifiers encrypt [--dry-run]`: encrypt the identifiers an older installation
stored in clear (issue 19), in place.

The work is done by each app's three migrations (people/identifier_migration.py): `--dry-run`
counts, per table, the rows still to encrypt; without it the migrations run up to the encrypting
step of every app, a batch at a time, so that an interrupted run is simply run again. `migrate`
runs the same steps, and then drops the plain columns.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from consonance.people.identifier_migration import STEPS


class Command(BaseCommand):
    help = "Encrypt identifiers stored in clear by an older version (resumable; --dry-run counts)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        encrypt = sub.add_parser("encrypt", help="Encrypt them in place, a batch at a time.")
        encrypt.add_argument("--dry-run", action="store_true", help="Only count the rows.")

    def handle(self, *args, action: str, dry_run: bool, **options) -> None:
        applied = MigrationRecorder(connection).applied_migrations()
        total = 0
        for step in STEPS:
            rows = step.pending(connection, applied)
            total += rows
            self.stdout.write(f"{step.table}: {rows} row(s) to encrypt ({step.fields} field(s))")
        if dry_run:
            self.stdout.write(f"{total} row(s) in all; nothing was changed (--dry-run).")
            return
        for step in STEPS:
            if (step.app, step.encrypt) not in applied:
                call_command("migrate", step.app, step.encrypt, verbosity=0)
        self.stdout.write(f"Done: {total} row(s) encrypted.")
