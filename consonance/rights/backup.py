"""Backups that honour erasure: `consonance backup` and `consonance restore` (issue 12).

A backup is a consistent copy of every table of the site (one read transaction: SQLite's write
lock, PostgreSQL's REPEATABLE READ snapshot) as Django's portable JSON, so a backup of SQLite
restores into PostgreSQL and back. The file is gzip'd and encrypted with AES-256-GCM under the
backup key (CONSONANCE_BACKUP_KEY, or a key derived from the master key); its header, bound to
the ciphertext as associated data, records when it was taken and a SHA-256 checksum per table.

Backups live in CONSONANCE_BACKUP_DIR as `consonance-<UTC time>.backup`; those older than the
policy's `[backups] duration` are deleted after each new one (`backup_rotate`).

A restore replaces the database's contents in one transaction: the site never sees half of it.
Inside that transaction, before it commits, every erasure made after the backup was taken (the
erasure ledger, ledger.py) is applied again, so nobody erased comes back.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.crypto import decrypt, derive_key, encrypt, parse_master_key
from consonance.mail.outbox import address_hash, mail_forget
from consonance.people.models import Person
from consonance.rights.backup_files import backup_path
from consonance.rights.erasure import person_erase
from consonance.rights.ledger import Entry, ledger_read

MAGIC = b"CONSONANCE-BACKUP-1\n"
# Rows that are no data of the site: sessions end with a restore anyway.
SKIPPED = {"sessions.session"}


class BackupError(Exception):
    """A backup file that cannot be read (wrong key, altered, not a backup)."""


@dataclass
class Restored:
    taken_at: dt.datetime
    tables: dict[str, dict]
    erasures_reapplied: int = 0
    checksums_ok: bool = True
    mismatched: list[str] = field(default_factory=list)


@cache
def _derived_key(master: str) -> bytes:
    return derive_key(parse_master_key(master), "backup")


def backup_key() -> bytes:
    if settings.BACKUP_KEY:
        key = base64.b64decode(settings.BACKUP_KEY)
        if len(key) != 32:
            raise BackupError("CONSONANCE_BACKUP_KEY must be base64 of 32 bytes")
        return key
    return _derived_key(settings.CONSONANCE_MASTER_KEY)


def _models() -> list[type[models.Model]]:
    """Every concrete table, parents before children (so a plain insert order works)."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in SKIPPED
    ]
    return serializers.sort_dependencies([(None, found)], allow_cycles=True)


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a backup keeps every microsecond (the
    audit chain hashes them)."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


def _rows(model: type[models.Model]) -> str:
    return serializers.serialize("json", model._default_manager.order_by("pk"), cls=_ExactEncoder)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def table_checksums() -> dict[str, dict]:
    """Rows and a checksum of the serialised rows of every table (for backups and drills)."""
    result = {}
    for model in _models():
        text = _rows(model)
        result[model._meta.label_lower] = {
            "rows": model._default_manager.count(),
            "checksum": _checksum(text),
        }
    return result


def _snapshot() -> tuple[dict[str, str], dict[str, dict]]:
    nested = connection.in_atomic_block  # then the caller's transaction is the snapshot
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        data = {m._meta.label_lower: _rows(m) for m in _models()}
    sums = {
        label: {"rows": len(json.loads(text)), "checksum": _checksum(text)}
        for label, text in data.items()
    }
    return data, sums


def backup_write(out: Path | None = None, *, now: dt.datetime | None = None) -> Path:
    """Write an encrypted backup; returns its path."""
    now = now or timezone.now()
    data, sums = _snapshot()
    header = {
        "format": 1,
        "taken_at": now.astimezone(dt.UTC).isoformat(),
        "database": connection.vendor,
        "tables": sums,
    }
    header_bytes = json.dumps(header, sort_keys=True).encode()
    payload = gzip.compress(json.dumps(data, cls=DjangoJSONEncoder).encode(), mtime=0)
    blob = encrypt(backup_key(), payload, MAGIC + header_bytes)
    if out is None:
        settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
        out = backup_path(now)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as file:
        file.write(MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes + blob)
    tmp.replace(out)
    audit_append(actor=SYSTEM, action="backup.written", detail={"tables": len(sums)})
    return out


def backup_read(path: Path) -> tuple[dict, dict[str, str]]:
    """The header and the tables of a backup file; BackupError when it cannot be read."""
    raw = path.read_bytes()
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 4:
        raise BackupError("not a Consonance backup")
    size = int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 4], "big")
    header_bytes = raw[len(MAGIC) + 4 : len(MAGIC) + 4 + size]
    try:
        header = json.loads(header_bytes)
        payload = decrypt(backup_key(), raw[len(MAGIC) + 4 + size :], MAGIC + header_bytes)
        data = json.loads(gzip.decompress(payload))
    except Exception as error:  # wrong key, altered bytes, truncated file
        raise BackupError(f"cannot read the backup: {error}") from None
    return header, data


def _load(data: dict[str, str]) -> None:
    tables = _models()
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(
            no_style(), [m._meta.db_table for m in tables], reset_sequences=True, allow_cascade=True
        ):
            cursor.execute(statement)
    with connection.constraint_checks_disabled():
        for model in tables:
            text = data.get(model._meta.label_lower)
            if text:
                for obj in serializers.deserialize("json", text):
                    obj.save()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)


def _reapply_erasures(entries: list[Entry], taken_at: dt.datetime) -> int:
    """Erase again everyone erased after `taken_at` (found by the keyed hash of the address)."""
    later = {e.address_hash for e in entries if e.erased_at > taken_at}
    if not later:
        return 0
    count = 0
    for person in list(Person.objects.all()):
        if address_hash(person.email) in later:
            email = person.email
            person_erase(person=person, actor=SYSTEM, via="restore")
            mail_forget(email=email)  # the receipt went when she was erased; not again
            count += 1
    return count


def backup_restore(path: Path) -> Restored:
    """Replace the database's contents with the backup's, then re-apply later erasures; all in
    one transaction. Raises BackupError (and changes nothing) when the file cannot be read."""
    ledger = ledger_read()  # read before the restore replaces the suppression list
    header, data = backup_read(path)
    taken_at = dt.datetime.fromisoformat(header["taken_at"])
    result = Restored(taken_at=taken_at, tables=header["tables"])
    with transaction.atomic():
        _load(data)
        for label, expected in header["tables"].items():
            model = apps.get_model(label)
            if _checksum(_rows(model)) != expected["checksum"]:
                result.mismatched.append(label)
        result.checksums_ok = not result.mismatched
        # The database's own list from before the restore, the file, and the restored list.
        result.erasures_reapplied = _reapply_erasures(ledger + ledger_read(), taken_at)
        audit_append(
            actor=SYSTEM,
            action="backup.restored",
            detail={"erasures_reapplied": result.erasures_reapplied},
        )
    return result
