"""The backup folder: which backups there are, when they expire, and their rotation (the
policy's `[backups] duration`). Apart from backup.py so that erasure receipts can say when the
last backup holding a person is deleted without importing the restore (which erases)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from consonance.privacy.policy import get_policy

NAME = re.compile(r"^consonance-(\d{8}T\d{6}Z)\.backup$")


@dataclass(frozen=True)
class Copy:
    """One copy of a backup: where it is (a path, or s3://bucket/key), its size, when taken."""

    where: str
    size: int
    taken_at: dt.datetime

    @property
    def expires_at(self) -> dt.datetime:
        return get_policy().backup_retention.after(self.taken_at)


def name_time(name: str) -> dt.datetime | None:
    """When the backup named `name` (a file name) was taken; None for any other name."""
    match = NAME.match(name)
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


def local_copies() -> list[Copy]:
    """The backups in the backup folder, oldest first."""
    copies = []
    for taken in backup_times():
        path = backup_path(taken)
        copies.append(Copy(str(path), path.stat().st_size, taken))
    return copies


def backup_rotate(*, now: dt.datetime | None = None) -> int:
    """Delete backups older than the policy's window; returns how many were deleted."""
    now = now or timezone.now()
    cutoff = get_policy().backup_retention.before(now)
    deleted = 0
    for taken in backup_times():
        if taken < cutoff:
            backup_path(taken).unlink()
            deleted += 1
    return deleted


def last_backup_expiry(erased_at: dt.datetime) -> dt.datetime | None:
    """When the last backup that may still hold data erased at `erased_at` is deleted: the
    newest backup taken before then, plus the window (None when no backup holds it)."""
    before = [t for t in backup_times() if t <= erased_at]
    if not before:
        return None
    return get_policy().backup_retention.after(before[-1])
