"""`consonance restore FILE|s3://bucket/key [--no-input] [--without-ledger]`: put a backup back,
then re-apply every later erasure.

It refuses while the site or the worker is up (the maintenance lock, worker/maintenance.py), and
without an erasure ledger (on this machine, beside the backups or in the bucket: a new machine
fetches it) unless --without-ledger is confirmed by typing; asks for "yes" before it replaces
anything, prints each table as it goes in, and changes nothing unless every table comes back
with the checksum the backup recorded (rights/restore.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consonance.rights.backup import BackupError, backup_read
from consonance.rights.backup_offsite import OffsiteError, offsite_download
from consonance.rights.restore import Ledger, backup_restore, ledger_gather
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
        parser.add_argument(
            "--without-ledger",
            action="store_true",
            help="Restore even when no erasure ledger is found (asks to type a confirmation; "
            "erased people in the backup may come back).",
        )

    def handle(self, *args, file: str, no_input: bool, without_ledger: bool, **options) -> None:
        if without_ledger and no_input:
            raise CommandError("--without-ledger needs a typed confirmation: leave out --no-input")
        self.without_ledger = without_ledger
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
        ledger = self._ledger()
        if not no_input and not self._confirmed():
            raise CommandError("restore cancelled; nothing was changed")
        width = max(len(label) for label in header["tables"])
        try:
            result = backup_restore(
                header,
                data,
                ledger,
                progress=lambda label, count: self.stdout.write(f"  {label:<{width}} {count:>9}"),
            )
        except BackupError as error:
            raise CommandError(f"{name}:0: {error}") from None
        self.stdout.write(
            f"{name}: {rows} rows restored; checksums ok; "
            f"{result.erasures_reapplied} later erasure(s) applied again"
        )

    def _ledger(self) -> Ledger:
        """The erasure ledger, or a refusal naming where it was looked for."""
        try:
            ledger = ledger_gather()
        except OffsiteError as error:
            raise CommandError(f"restore refused: the erasure ledger: {error}") from None
        if ledger.found:
            self.stdout.write(f"Erasure ledger: {', '.join(ledger.found)}.")
            return ledger
        where = ", ".join(ledger.looked)
        if not self.without_ledger:
            raise CommandError(
                f"restore refused: no erasure ledger in {where}; without it erased people "
                "may come back (--without-ledger to restore anyway)"
            )
        self.stdout.write(
            f"No erasure ledger in {where}: erased people in the backup may come back."
        )
        try:
            answer = input('Type "without ledger" to restore anyway: ')
        except EOFError:
            answer = ""
        if answer.strip().lower() != "without ledger":
            raise CommandError("restore cancelled; nothing was changed")
        return ledger

    def _confirmed(self) -> bool:
        self.stdout.write("This replaces every row of the database with the backup's.")
        try:
            answer = input('Type "yes" to restore: ')
        except EOFError:
            answer = ""
        return answer.strip().lower() == "yes"
