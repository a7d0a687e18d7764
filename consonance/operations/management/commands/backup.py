"""`consonance backup [--out FILE | --list]`: an encrypted, consistent copy of the database, on
this machine and (when configured) off it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consonance.operations.backup import BackupError, backup_write
from consonance.operations.backup_keys import keys_beside
from consonance.operations.backup_offsite import OffsiteError, backup_take, copies_everywhere


def _size(size: float) -> str:
    if size < 1000:
        return f"{size:.0f} B"
    for unit in ("kB", "MB"):
        size /= 1000
        if size < 1000:
            return f"{size:.1f} {unit}"
    return f"{size / 1000:.1f} GB"


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the whole database to CONSONANCE_BACKUP_DIR (and to the "
        "S3 bucket when CONSONANCE_BACKUP_S3_BUCKET is set, verified after upload), then delete "
        "the backups older than the policy's [backups] duration in both places. The person keys "
        "go apart into a key backup beside each (FILE.keys with --out), kept "
        "CONSONANCE_KEY_BACKUP_DAYS. --out FILE writes one backup only (recorded, listed and "
        "rotated with the others); --list shows every copy and when it expires."
    )

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--out", help="Write the backup to this file only (no upload).")
        group.add_argument("--list", action="store_true", help="List the copies and exit.")

    def handle(self, *args, out: str | None, **options) -> None:
        if options["list"]:
            self._list()
        elif out:
            target = Path(out)
            if not target.parent.is_dir():
                raise CommandError(f"{target}:0: cannot write: no such directory")
            try:
                path = backup_write(target)
            except (BackupError, OSError) as error:
                raise CommandError(f"{target}:0: {error}") from None
            self.stdout.write(f"{path}: {path.stat().st_size} bytes")
            keys = keys_beside(path)
            self.stdout.write(f"{keys}: {keys.stat().st_size} bytes (the person keys)")
        else:
            self._take()

    def _take(self) -> None:
        try:
            taken = backup_take()
        except (BackupError, OSError) as error:
            raise CommandError(f"backup:0: {error}") from None
        except OffsiteError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{taken.path}: {taken.path.stat().st_size} bytes")
        if taken.keys:
            self.stdout.write(f"{taken.keys}: {taken.keys.stat().st_size} bytes (the person keys)")
        if taken.url:
            self.stdout.write(f"{taken.url}: uploaded and verified (SHA-256)")
        deleted = taken.deleted_local + taken.deleted_offsite
        if deleted:
            self.stdout.write(f"{deleted} copy(ies) older than the policy's window deleted")
        if taken.keys_deleted:
            self.stdout.write(f"{taken.keys_deleted} key backup(s) older than the window deleted")

    def _list(self) -> None:
        copies, problem = copies_everywhere()
        key_copies, _problem = copies_everywhere(keys=True)
        self.stdout.write(f"{'TAKEN (UTC)':<17}  {'EXPIRES (UTC)':<17}  {'SIZE':>9}  WHERE")
        for copy in [*copies, *key_copies]:
            self.stdout.write(
                f"{_when(copy.taken_at):<17}  {_when(copy.expires_at):<17}  "
                f"{_size(copy.size):>9}  {copy.where}"
            )
        self.stdout.write(
            f"{len(key_copies)} key backup(s) (the person keys, kept "
            f"{settings.KEY_BACKUP_DAYS} days)."
        )
        self.stdout.write(f"{len(copies)} copy(ies).")
        if problem:
            raise CommandError(problem)
