"""`consonance restore FILE`: put a backup back, then re-apply every later erasure.

Stop the web and worker processes first; the restore is one transaction, so a failure changes
nothing, and the site serves again only after every erasure since the backup is applied again.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consonance.rights.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `consonance backup`, re-applying later erasures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The backup file.")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}:0: no such file")
        try:
            result = backup_restore(path)
        except BackupError as error:
            raise CommandError(f"{path}:0: {error}") from None
        rows = sum(t["rows"] for t in result.tables.values())
        self.stdout.write(
            f"{path}: taken {result.taken_at.isoformat()}; {len(result.tables)} tables, "
            f"{rows} rows restored; checksums {'ok' if result.checksums_ok else 'DIFFER'}; "
            f"{result.erasures_reapplied} later erasure(s) applied again"
        )
        if not result.checksums_ok:
            raise CommandError(f"checksums differ: {', '.join(result.mismatched)}")
