"""Backups that honour erasure: `consonance backup` and `consonance restore` (issue 12).

A backup is a consistent copy of every table of the site but the person keys (one read
transaction: SQLite's write lock, PostgreSQL's REPEATABLE READ snapshot) as Django's portable JSON, so a backup of SQLite
restores into PostgreSQL and back. The file is gzip'd and encrypted with AES-256-GCM under the
backup key (CONSONANCE_BACKUP_KEY, or a key derived from the master key); its header, bound to
the ciphertext as associated data, records when it was taken and a SHA-256 checksum per table.

Backups live in CONSONANCE_BACKUP_DIR as `consonance-<UTC time>.backup`; those older than the
policy's `[backups] duration` are deleted after each new one (`backup_rotate`). Each carries the
erasure ledger of its day (encrypted with the tables), and each refreshes the ledger's current
copy beside the backups (ledger.py), which every later erasure updates.

The person keys of the same snapshot go into a key backup beside it, kept days only
(backup_keys.py), so that an erased person's destroyed key leaves every copy long before the
backups taken while she was here expire.

The restore, which puts a backup back in one transaction and re-applies later erasures, is in
restore.py; copies off the machine in backup_offsite.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib import keyring
from consonance.lib.crypto import encrypt
from consonance.operations.backup_files import (  # BackupError: imported from here too
    MAGIC,
    BackupError,
    backup_keys,
    backup_path,
    elsewhere_record,
)
from consonance.operations.backup_keys import KEY_TABLE, keys_beside, keys_path, keys_write
from consonance.rights.ledger import (
    Entry,
    folder_copy,
    ledger_local,
    ledger_parse,
    ledger_text,
    ledger_write,
)

# The key, beside the tables' labels, under which a backup carries the erasure ledger of its day.
LEDGER_KEY = "erasure-ledger"
# Rows that are no data of the site: sessions end with a restore anyway.
SKIPPED = {"sessions.session"}


def backup_models() -> list[type[models.Model]]:
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


def table_json(model: type[models.Model]) -> str:
    return serializers.serialize("json", model._default_manager.order_by("pk"), cls=_ExactEncoder)


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def table_checksums() -> dict[str, dict]:
    """Rows and a checksum of the serialised rows of every table (for backups and drills)."""
    result = {}
    for model in backup_models():
        text = table_json(model)
        result[model._meta.label_lower] = {
            "rows": model._default_manager.count(),
            "checksum": text_checksum(text),
        }
    return result


def _snapshot() -> tuple[dict[str, str], dict[str, dict]]:
    nested = connection.in_atomic_block  # then the caller's transaction is the snapshot
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        data = {m._meta.label_lower: table_json(m) for m in backup_models()}
    sums = {
        label: {"rows": len(json.loads(text)), "checksum": text_checksum(text)}
        for label, text in data.items()
    }
    return data, sums


def backup_write(out: Path | None = None, *, now: dt.datetime | None = None) -> Path:
    """Write an encrypted backup; returns its path."""
    now = now or timezone.now()
    data, sums = _snapshot()
    # The person keys go apart, into a key backup kept days rather than the backups' window.
    key_table, _key_sums = data.pop(KEY_TABLE), sums.pop(KEY_TABLE)
    header = {
        "format": 2,  # 2: without the person keys, which are in the key backup beside it
        "taken_at": now.astimezone(dt.UTC).isoformat(),
        "database": connection.vendor,
        "tables": sums,
    }
    ledger = ledger_local()
    data[LEDGER_KEY] = ledger_text(ledger)
    # The ledger's copy beside the backups exists from the first backup on, erasures or not.
    ledger_write(folder_copy(), ledger)
    elsewhere = out is not None
    if out is None:
        settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
        out = backup_path(now)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as file:
        file.write(backup_encode(header, data))
    tmp.replace(out)
    keys_write(keys_beside(out) if elsewhere else keys_path(now), now, key_table)
    if elsewhere:
        elsewhere_record(out, now)
    audit_append(actor=SYSTEM, action="backup.written", detail={"tables": len(sums)})
    return out


def keys_write_now(now: dt.datetime) -> Path:
    """A key backup of the person keys as they are now, without a backup (keys_refresh)."""
    settings.BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    return keys_write(keys_path(now), now, table_json(apps.get_model(KEY_TABLE)))


def backup_encode(header: dict, data: dict[str, str]) -> bytes:
    """The bytes of a backup file: the header in clear (bound as associated data), the tables
    gzip'd and encrypted."""
    header_bytes = json.dumps(header, sort_keys=True).encode()
    payload = gzip.compress(json.dumps(data, cls=DjangoJSONEncoder).encode(), mtime=0)
    blob = encrypt(backup_keys()[0], payload, MAGIC + header_bytes)
    return MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes + blob


def backup_ledger(data: dict[str, str]) -> set[Entry]:
    """The erasure ledger a backup carries (none in backups from before it did)."""
    return ledger_parse(data.get(LEDGER_KEY, ""), "the backup's ledger")


def backup_read(path: Path) -> tuple[dict, dict[str, str]]:
    """The header and the tables of a backup file; BackupError when it cannot be read."""
    raw = path.read_bytes()
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 4:
        raise BackupError("not a Consonance backup")
    size = int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 4], "big")
    header_bytes = raw[len(MAGIC) + 4 : len(MAGIC) + 4 + size]
    body, aad = raw[len(MAGIC) + 4 + size :], MAGIC + header_bytes
    try:
        payload = keyring.decrypt_any(backup_keys(), body, aad)
        return json.loads(header_bytes), json.loads(gzip.decompress(payload))
    except Exception as error:  # wrong key, altered bytes, truncated file
        raise BackupError(f"cannot read the backup: {error}") from None
