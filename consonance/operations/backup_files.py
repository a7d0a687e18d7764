"""The backup folder: which backups there are, when they expire, and their rotation (the
policy's `[backups] duration`). Apart from backup.py so that erasure receipts can say when the
last backup holding a person is deleted without importing the restore (which erases).

A copy written elsewhere (`consonance backup --out FILE`) is recorded in the backup folder
(`copies-elsewhere.txt`, a line `<taken> <path>` each): it is listed with the others, counted by
erasure receipts until it expires, and deleted by the rotation if it is still where it was
written."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from consonance.lib import keyring
from consonance.privacy.policy import get_policy

NAME = re.compile(r"^consonance-(\d{8}T\d{6}Z)\.backup$")
MAGIC = b"CONSONANCE-BACKUP-1\n"
ELSEWHERE = "copies-elsewhere.txt"


class BackupError(Exception):
    """A backup file that cannot be read (wrong key, altered, not a backup)."""


def backup_keys() -> list[bytes]:
    """The key new backups (and key backups) are written with first, then any other that may
    read an older one (during a master-key rotation, the one derived from the old master key)."""
    if settings.BACKUP_KEY:
        key = base64.b64decode(settings.BACKUP_KEY)
        if len(key) != 32:
            raise BackupError("CONSONANCE_BACKUP_KEY must be base64 of 32 bytes")
        return [key]
    return keyring.derived_keys("backup")


@dataclass(frozen=True)
class Copy:
    """One copy of a backup: where it is (a path, or s3://bucket/key), its size, when taken.
    `kept`: how long it is kept (None: the policy's [backups] duration; key backups are kept
    CONSONANCE_KEY_BACKUP_DAYS, backup_keys.py)."""

    where: str
    size: int
    taken_at: dt.datetime
    kept: dt.timedelta | None = None

    @property
    def expires_at(self) -> dt.datetime:
        if self.kept is not None:
            return self.taken_at + self.kept
        return get_policy().backup_retention.after(self.taken_at)


def name_time(name: str, pattern: re.Pattern = NAME) -> dt.datetime | None:
    """When the backup named `name` (a file name; `pattern`: of another kind) was taken; None
    for any other name."""
    match = pattern.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def backup_path(taken_at: dt.datetime) -> Path:
    settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    return settings.BACKUP_DIR / f"consonance-{taken_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.backup"


def backup_times(directory: Path | None = None) -> list[dt.datetime]:
    """When each backup in the backup folder was taken, oldest first."""
    directory = directory or settings.BACKUP_DIR
    names = [path.name for path in directory.iterdir()] if directory.is_dir() else []
    return sorted(t for t in map(name_time, names) if t)


def elsewhere_record(path: Path, taken_at: dt.datetime) -> None:
    """Record a copy written outside the backup folder (`backup --out`)."""
    settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.BACKUP_DIR / ELSEWHERE, "a", encoding="utf-8") as record:
        record.write(f"{taken_at.astimezone(dt.UTC).isoformat()} {path.resolve()}\n")


def elsewhere_copies() -> list[tuple[dt.datetime, Path]]:
    record = settings.BACKUP_DIR / ELSEWHERE
    if not record.exists():
        return []
    found = []
    for line in record.read_text(encoding="utf-8").splitlines():
        stamp, _sep, path = line.partition(" ")
        found.append((dt.datetime.fromisoformat(stamp), Path(path)))
    return found


def _is_backup(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def local_copies() -> list[Copy]:
    """The backups in the backup folder and those written elsewhere on this machine (a copy
    no longer where it was written counts, size 0, until it expires), oldest first."""
    copies = []
    for taken in backup_times():
        path = backup_path(taken)
        copies.append(Copy(str(path), path.stat().st_size, taken))
    for taken, path in elsewhere_copies():
        if _is_backup(path):
            copies.append(Copy(str(path), path.stat().st_size, taken))
        else:
            copies.append(Copy(f"{path} (not found)", 0, taken))
    return sorted(copies, key=lambda c: (c.taken_at, c.where))


def backup_rotate(*, now: dt.datetime | None = None) -> int:
    """Delete backups older than the policy's window; returns how many were deleted."""
    now = now or timezone.now()
    cutoff = get_policy().backup_retention.before(now)
    deleted = 0
    for taken in backup_times():
        if taken < cutoff:
            backup_path(taken).unlink()
            deleted += 1
    kept = []
    for taken, path in elsewhere_copies():
        if taken >= cutoff:
            kept.append(f"{taken.isoformat()} {path}\n")
        elif _is_backup(path):
            path.unlink()
            deleted += 1
    if kept or (settings.BACKUP_DIR / ELSEWHERE).exists():
        (settings.BACKUP_DIR / ELSEWHERE).write_text("".join(kept), encoding="utf-8")
    return deleted


def last_expiry(copies: list[Copy], erased_at: dt.datetime) -> dt.datetime | None:
    """When the last of `copies` that may still hold data erased at `erased_at` is deleted:
    the newest taken before then, plus the window (None when none was taken before)."""
    return max((c.expires_at for c in copies if c.taken_at <= erased_at), default=None)
