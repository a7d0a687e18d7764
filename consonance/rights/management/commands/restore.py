"""`consonance restore FILE|s3://bucket/key [--no-input]`: put a backup back, then re-apply every
later erasure.

It refuses while the site or the worker is up (the maintenance lock, worker/maintenance.py), asks
for "yes" before it replaces anything, prints each table as it goes in, and changes nothing
unless every table comes back with the checksum the backup recorded (rights/restore.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consonance.rights.backup import BackupError, backup_read
from consonance.rights.backup_offsite import OffsiteError, offsite_download
from consonance.rights.restore import backup_restore
from consonance.worker import maintenance


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `consonance backup` (a file, or "
        "s3://bucket/key on the off-site destination), re-applying later erasures. Stop the "
        "site and the worker first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The backup file, or s3://bucket/key.")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Do not ask for confirmation (for scripts).",
        )

    def handle(self, *args, file: str, no_input: bool, **options) -> None:
        try:
            with maintenance.exclusive(f"consonance restore {file}"):
                if file.startswith("s3://"):
                    settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
                    with tempfile.TemporaryDirectory(dir=settings.BACKUP_DIR) as folder:
                        self._restore(file, Path(folder) / "download.backup", no_input)
                else:
                    self._restore(file, Path(file), no_input)
        except maintenance.MaintenanceLocked as error:
            raise CommandError(f"restore refused: {error}") from None

    def _restore(self, name: str, path: Path, no_input: bool) -> None:
        try:
            if name.startswith("s3://"):
                offsite_download(name, path)
            elif not path.is_file():
                raise CommandError(f"{name}:0: no such file")
            header, data = backup_read(path)
        except (BackupError, OffsiteError) as error:
            raise CommandError(f"{name}:0: {error}") from None
        rows = sum(t["rows"] for t in header["tables"].values())
        self.stdout.write(
            f"{name}: taken {header['taken_at']} on {header.get('database', '?')}; "
            f"{len(header['tables'])} tables, {rows} rows."
        )
        if not no_input and not self._confirmed():
            raise CommandError("restore cancelled; nothing was changed")
        width = max(len(label) for label in header["tables"])
        try:
            result = backup_restore(
                header,
                data,
                progress=lambda label, count: self.stdout.write(f"  {label:<{width}} {count:>9}"),
            )
        except BackupError as error:
            raise CommandError(f"{name}:0: {error}") from None
        self.stdout.write(
            f"{name}: {rows} rows restored; checksums ok; "
            f"{result.erasures_reapplied} later erasure(s) applied again"
        )

    def _confirmed(self) -> bool:
        self.stdout.write("This replaces every row of the database with the backup's.")
        try:
            answer = input('Type "yes" to restore: ')
        except EOFError:
            answer = ""
        return answer.strip().lower() == "yes"
