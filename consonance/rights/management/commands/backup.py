"""`consonance backup [--out FILE]`: an encrypted, consistent copy of the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consonance.rights.backup import BackupError, backup_write
from consonance.rights.backup_files import backup_rotate


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the whole database (to CONSONANCE_BACKUP_DIR, or FILE), "
        "then delete the backups older than the policy's [backups] duration."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", help="Write the backup to this file instead.")

    def handle(self, *args, out: str | None, **options) -> None:
        target = Path(out) if out else None
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"{target}:0: cannot write: no such directory")
        try:
            path = backup_write(target)
        except (BackupError, OSError) as error:
            raise CommandError(f"{target or 'backup'}:0: {error}") from None
        deleted = backup_rotate() if target is None else 0
        self.stdout.write(f"{path}: {path.stat().st_size} bytes")
        if deleted:
            self.stdout.write(f"{deleted} backup(s) older than the policy's window deleted")
