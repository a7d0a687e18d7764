"""`consonance restore FILE|s3://bucket/key [--no-input] [--without-ledger] [--keys FILE|s3://...]
[--without-keys]`: put a backup back, with the person keys of the newest key backup taken at or
after it, then re-apply every later erasure.

It refuses while the site or the worker is up (the maintenance lock, worker/maintenance.py), and
without an erasure ledger (on this machine, beside the backups or in the bucket: a new machine
fetches it) unless --without-ledger is confirmed by typing; asks for "yes" before it replaces
anything, prints each table as it goes in, and changes nothing unless every table comes back
with the checksum the backup recorded (operations/restore.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consonance.operations.backup import BackupError, backup_read
from consonance.operations.backup_keys import KEY_TABLE, keys_read
from consonance.operations.backup_offsite import OffsiteError, offsite_download
from consonance.operations.restore import Ledger, backup_restore, key_backup_find, ledger_gather
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
        parser.add_argument(
            "--keys",
            help="The key backup (file or s3://bucket/key) holding the person keys; by default "
            "the newest taken at or after the backup, beside it, in the backup folder or the "
            "bucket.",
        )
        parser.add_argument(
            "--without-keys",
            action="store_true",
            help="Restore even when no key backup taken at or after the backup is found; "
            "everything encrypted in it stays unreadable.",
        )

    def handle(self, *args, file: str, no_input: bool, without_ledger: bool, **options) -> None:
        if without_ledger and no_input:
            raise CommandError("--without-ledger needs a typed confirmation: leave out --no-input")
        self.without_ledger = without_ledger
        self.keys, self.without_keys = options["keys"], options["without_keys"]
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
        keys = None if KEY_TABLE in data else self._keys(name, path, header["taken_at"])
        ledger = self._ledger()
        if not no_input and not self._confirmed():
            raise CommandError("restore cancelled; nothing was changed")
        width = max(len(label) for label in header["tables"])
        try:
            result = backup_restore(
                header,
                data,
                ledger,
                keys=keys,
                progress=lambda label, count: self.stdout.write(f"  {label:<{width}} {count:>9}"),
            )
        except BackupError as error:
            raise CommandError(f"{name}:0: {error}") from None
        self.stdout.write(
            f"{name}: {rows} rows and {result.keys} person key(s) restored; checksums ok; "
            f"{result.erasures_reapplied} later erasure(s) applied again"
        )

    def _keys(self, name: str, path: Path, taken: str) -> str | None:
        """The person keys' table from the key backup (--keys, or the newest taken at or after
        the backup), or a refusal saying what is wrong; None with --without-keys."""
        taken_at = dt.datetime.fromisoformat(taken)
        where = self.keys
        if not where:
            where, looked = key_backup_find(None if name.startswith("s3://") else path, taken_at)
            if where is None and self.without_keys:
                self.stdout.write(
                    "No key backup: everything encrypted in the backup is unreadable."
                )
                return None
            if where is None:
                raise CommandError(
                    f"{name}:0: no key backup taken at or after {taken} in {', '.join(looked)}; "
                    "without the person keys everything encrypted in it stays unreadable "
                    "(--keys FILE to name one, --without-keys to restore anyway)"
                )
        with tempfile.TemporaryDirectory() as folder:
            try:
                local = Path(folder) / "download.keys" if where.startswith("s3://") else Path(where)
                if where.startswith("s3://"):
                    offsite_download(where, local)
                elif not local.is_file():
                    raise BackupError("no such file")
                header, table = keys_read(local)
            except (BackupError, OffsiteError) as error:
                raise CommandError(f"{where}:0: {error}") from None
        if dt.datetime.fromisoformat(header["taken_at"]) < taken_at:
            raise CommandError(
                f"{where}:0: taken {header['taken_at']}, before the backup ({taken}): "
                "it lacks the keys of persons who came in between"
            )
        self.stdout.write(
            f"Person keys: {where}, taken {header['taken_at']}; {header['rows']} key(s)."
        )
        return table

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
