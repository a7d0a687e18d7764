"""Person keys apart from the data backups (issue 19).

A data backup holds every table but `people.personkey`, the persons' wrapped data keys. Those go,
from the same snapshot, into a key backup of their own: `consonance-<UTC time>.keys` beside the
backup (`<file>.keys` beside a `backup --out FILE`), gzip'd and encrypted with AES-256-GCM under
the backup key, its clear header (when taken, rows, checksum) bound as associated data. Key
backups are kept CONSONANCE_KEY_BACKUP_DAYS (3 by default), deleted by the rotation after each
backup and hourly (`keys_rotate`), while the data backups are kept the policy's much longer
`[backups] duration`; when the daily backup has not run for a day, the hourly job writes a fresh
key backup of the keys as they are (backup_offsite.keys_refresh), so that every backup still
restores with its keys. So when a person is erased and her key destroyed, the last copy of that
key is gone from every key backup within days (`last_key_expiry`, which her receipt states), and
from then on her encrypted data in every older data backup is unreadable, master key or not.

A restore takes a data backup and the newest key backup taken at or after it (restore.py), and
puts back only the keys of persons the data backup holds.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from consonance.lib import keyring
from consonance.lib.crypto import encrypt
from consonance.operations.backup_files import (
    BackupError,
    Copy,
    backup_keys,
    elsewhere_copies,
    name_time,
)

KEYS_MAGIC = b"CONSONANCE-KEYS-1\n"
KEY_TABLE = "people.personkey"
KEYS_NAME = re.compile(r"^consonance-(\d{8}T\d{6}Z)\.keys$")
# The rotation runs at least this often (the worker's hourly job), so a key backup is deleted
# at most this long after its window.
ROTATE_EVERY = dt.timedelta(hours=1)


def key_window() -> dt.timedelta:
    return dt.timedelta(days=settings.KEY_BACKUP_DAYS)


def key_kept() -> dt.timedelta:
    """How long a key backup may exist: its window, plus the wait for the next rotation."""
    return key_window() + ROTATE_EVERY


def keys_name_time(name: str) -> dt.datetime | None:
    """When the key backup named `name` was taken; None for any other name."""
    return name_time(name, KEYS_NAME)


def keys_path(taken_at: dt.datetime) -> Path:
    return settings.BACKUP_DIR / f"consonance-{taken_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.keys"


def keys_beside(path: Path) -> Path:
    """The key backup written with the data backup at `path` (`backup --out`)."""
    return path.with_name(path.name + ".keys")


def keys_encode(taken_at: dt.datetime, table: str) -> bytes:
    """The bytes of a key backup holding `table` (the key table as a backup serialises it)."""
    header = {
        "format": 1,
        "taken_at": taken_at.astimezone(dt.UTC).isoformat(),
        "table": KEY_TABLE,
        "rows": len(json.loads(table)),
        "checksum": hashlib.sha256(table.encode()).hexdigest(),
    }
    header_bytes = json.dumps(header, sort_keys=True).encode()
    payload = gzip.compress(table.encode(), mtime=0)
    blob = encrypt(backup_keys()[0], payload, KEYS_MAGIC + header_bytes)
    return KEYS_MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes + blob


def keys_write(out: Path, taken_at: dt.datetime, table: str) -> Path:
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(keys_encode(taken_at, table))
    tmp.replace(out)
    return out


def _split(raw: bytes) -> tuple[bytes, bytes]:
    if not raw.startswith(KEYS_MAGIC) or len(raw) < len(KEYS_MAGIC) + 4:
        raise BackupError("not a Consonance key backup")
    size = int.from_bytes(raw[len(KEYS_MAGIC) : len(KEYS_MAGIC) + 4], "big")
    start = len(KEYS_MAGIC) + 4
    return raw[start : start + size], raw[start + size :]


def keys_taken(path: Path) -> dt.datetime | None:
    """When the key backup at `path` was taken (its clear header); None when it is none."""
    try:
        header_bytes, _body = _split(path.read_bytes())
        return dt.datetime.fromisoformat(json.loads(header_bytes)["taken_at"])
    except (OSError, BackupError, ValueError, KeyError):
        return None


def keys_read(path: Path) -> tuple[dict, str]:
    """The header and the key table of a key backup; BackupError when it cannot be read."""
    header_bytes, body = _split(path.read_bytes())
    try:
        payload = keyring.decrypt_any(backup_keys(), body, KEYS_MAGIC + header_bytes)
        table = gzip.decompress(payload).decode()
    except Exception as error:  # wrong key, altered bytes, truncated file
        raise BackupError(f"cannot read the key backup: {error}") from None
    header = json.loads(header_bytes)
    if hashlib.sha256(table.encode()).hexdigest() != header["checksum"]:
        raise BackupError("the key backup's checksum differs")
    return header, table


def key_copies_local() -> list[Copy]:
    """The key backups in the backup folder and beside `backup --out` copies, oldest first."""
    copies = []
    folder = settings.BACKUP_DIR
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        taken = keys_name_time(path.name)
        if taken:
            copies.append(Copy(str(path), path.stat().st_size, taken, key_kept()))
    for taken, path in elsewhere_copies():
        beside = keys_beside(path)
        if beside.is_file():
            copies.append(Copy(str(beside), beside.stat().st_size, taken, key_kept()))
    return sorted(copies, key=lambda c: (c.taken_at, c.where))


def keys_rotate(*, now: dt.datetime | None = None) -> int:
    """Delete this machine's key backups older than CONSONANCE_KEY_BACKUP_DAYS; how many."""
    cutoff = (now or timezone.now()) - key_window()
    old = [c for c in key_copies_local() if c.taken_at < cutoff]
    for copy in old:
        Path(copy.where).unlink(missing_ok=True)
    return len(old)


def last_key_expiry(copies: list[Copy], erased_at: dt.datetime) -> dt.datetime | None:
    """When the last key backup that may hold a key destroyed at `erased_at` is deleted."""
    return max((c.expires_at for c in copies if c.taken_at <= erased_at), default=None)
