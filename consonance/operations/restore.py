"""Putting a backup back (`consonance restore`): all of it, or nothing.

The restore replaces the database's contents in one transaction, so the site never sees half
of it and any failure changes nothing. Rows go in table by table, parents first, as multi-row
INSERTs in batches (foreign keys are checked at commit: Django declares them DEFERRABLE
INITIALLY DEFERRED on both SQLite and PostgreSQL, which also allows the few cycles). Before the
transaction commits, every table is serialised again and compared with the checksum the backup
recorded; one difference rolls everything back (ChecksumsDiffer). Then every erasure made after
the backup was taken (the erasure ledger, ledger.py) is applied again, so nobody erased comes
back: under the address she had when erased, or under one she had left after the backup was
taken. The ledger is gathered from this machine, the backup folder, the bucket and the backup
itself (`ledger_gather`); a restore with none of the first three refuses (restore command), and
the ledger it ends with is written back to this machine and the backup folder.

The person keys are not in the backup (backup_keys.py): they come from the newest key backup
taken at or after it (`key_backup_find`: beside the file, in the backup folder, in the bucket).
Only the keys of persons the backup holds, created by the time it was taken, go back; anyone
erased since has no key left in any key backup younger than her erasure, and the ledger erases
her row again. Backups from before the split (format 1) still carry their keys.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, models, transaction

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.identifiers import raw_values
from consonance.mail.outbox import address_hash, mail_forget
from consonance.operations.backup import (
    BackupError,
    backup_ledger,
    backup_models,
    table_json,
    text_checksum,
)
from consonance.operations.backup_keys import KEY_TABLE, keys_beside, keys_taken
from consonance.operations.backup_offsite import (
    copies_everywhere,
    ledger_pull,
    ledger_push,
    ledger_url,
    offsite_configured,
)
from consonance.people.models import Person, PersonKey
from consonance.people.selectors import identities_read
from consonance.rights.erasure import person_erase
from consonance.rights.ledger import Entry, folder_copy, ledger_local, ledger_read, ledger_write

Progress = Callable[[str, int], None]  # (table label, rows inserted)


class ChecksumsDiffer(BackupError):
    """The restored rows differ from what the backup recorded; nothing was changed."""

    def __init__(self, mismatched: list[str]) -> None:
        super().__init__(f"checksums differ for {', '.join(mismatched)}; nothing was changed")
        self.mismatched = mismatched


@dataclass
class Ledger:
    """Every erasure known before a restore, and where a ledger was looked for and found."""

    entries: set[Entry]
    looked: list[str]
    found: list[str]


def ledger_gather() -> Ledger:
    """The ledger on this machine, beside the backups and in the bucket (OffsiteError when the
    bucket cannot be read), with the database's suppression list."""
    looked, found = [], []
    for path in (settings.ERASURE_LEDGER, folder_copy()):
        looked.append(str(path))
        if path.exists():
            found.append(str(path))
    entries = ledger_local()
    if offsite_configured():
        looked.append(ledger_url())
        pulled = ledger_pull()
        if pulled is not None:
            found.append(ledger_url())
            entries |= pulled
    return Ledger(entries, looked, found)


@dataclass
class Restored:
    taken_at: dt.datetime
    tables: dict[str, dict]
    erasures_reapplied: int = 0
    keys: int = 0  # person keys put back


def key_backup_find(path: Path | None, taken_at: dt.datetime) -> tuple[str | None, list[str]]:
    """The newest key backup taken at or after `taken_at` (None when there is none): beside the
    backup file at `path`, in the backup folder, in the bucket; and where it looked."""
    looked = [str(settings.BACKUP_DIR)]
    found = []
    if path is not None:
        looked.insert(0, str(keys_beside(path)))
        beside = keys_taken(keys_beside(path))
        if beside is not None:
            found.append((beside, str(keys_beside(path))))
    if offsite_configured():
        looked.append(ledger_url().rsplit("/", 1)[0] + "/")
    copies, unlisted = copies_everywhere(keys=True)
    if unlisted:
        looked[-1] += f" ({unlisted})"
    found += [(c.taken_at, c.where) for c in copies]
    # File names hold whole seconds; the key backup of the same snapshot has the same name time.
    later = [f for f in found if f[0] >= taken_at.replace(microsecond=0)]
    return (max(later)[1] if later else None), looked


def _keys_for(data: dict[str, str], keys: str | None, taken_at: dt.datetime) -> list[dict]:
    """The key rows to put back: those of persons the backup holds, made by the time it was
    taken (a later key backup also holds persons who came after)."""
    if keys is None:
        return []
    persons = {row["pk"] for row in json.loads(data.get("people.person") or "[]")}
    return [
        row
        for row in json.loads(keys)
        if row["pk"] in persons
        and dt.datetime.fromisoformat(row["fields"]["created_at"]) <= taken_at
    ]


def _insert(model: type[models.Model], objects: list[serializers.base.DeserializedObject]) -> None:
    """Insert the rows as they were, many per statement. Through QuerySet._insert (what
    Model.save uses) with raw=True, because bulk_create would stamp auto_now fields with now."""
    if not objects:
        return
    fields = [f for f in model._meta.local_concrete_fields if not f.generated]
    rows = [o.object for o in objects]
    size = max(1, min(1000, connection.ops.bulk_batch_size(fields, rows)))
    for start in range(0, len(rows), size):
        with raw_values():  # encrypted identifiers go back as the ciphertext they were
            model._base_manager._insert(  # type: ignore[attr-defined]
                rows[start : start + size], fields=fields, raw=True
            )


def _load(data: dict[str, str], progress: Progress) -> None:
    tables = backup_models()
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(
            no_style(), [m._meta.db_table for m in tables], reset_sequences=True, allow_cascade=True
        ):
            cursor.execute(statement)
    with connection.constraint_checks_disabled():
        for model in tables:
            label = model._meta.label_lower
            # Many-to-many rows are restored from their own table, which the backup holds too.
            objects = list(serializers.deserialize("json", data.get(label) or "[]"))
            _insert(model, objects)
            progress(label, len(objects))
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)


def _mismatched(header: dict) -> list[str]:
    return [
        label
        for label, expected in header["tables"].items()
        if text_checksum(table_json(apps.get_model(label))) != expected["checksum"]
    ]


def _reapply_erasures(entries: set[Entry], taken_at: dt.datetime, *, keyed: bool) -> int:
    """Erase again everyone erased after `taken_at`: found by the keyed hash of the address, or
    (`keyed`: the keys came from a key backup taken after the backup) by her key missing from
    it: only an erasure destroys a key, and without it her address cannot even be read."""
    later = {e.address_hash for e in entries if e.holds(taken_at)}
    if not later and not keyed:
        return 0
    erased = []
    people = list(Person.objects.order_by("pk"))
    with_keys = set(PersonKey.objects.values_list("person_id", flat=True))
    for start in range(0, len(people), 1000):  # their keys read a thousand at a time
        for person in identities_read(people[start : start + 1000]):
            if keyed and person.pk not in with_keys:
                erased.append((person, ""))
            elif address_hash(person.email) in later:
                erased.append((person, person.email))
    for person, email in erased:
        person_erase(person=person, actor=SYSTEM, via="restore")
        if email:
            mail_forget(email=email)  # the receipt went when she was erased; not again
    return len(erased)


def backup_restore(
    header: dict,
    data: dict[str, str],
    ledger: Ledger,
    *,
    keys: str | None = None,
    progress: Progress = lambda label, rows: None,
) -> Restored:
    """Replace the database's contents with a backup read by `backup_read` and the person keys
    of a key backup (`keys`: its table, read by `keys_read`; None: no keys), then re-apply later
    erasures (`ledger`: gathered before the restore replaces the suppression list); all in one
    transaction. ChecksumsDiffer (and nothing changed) when a table does not come back exactly
    as it was backed up."""
    entries = ledger.entries | backup_ledger(data)
    taken_at = dt.datetime.fromisoformat(header["taken_at"])
    result = Restored(taken_at=taken_at, tables=header["tables"])
    key_rows = None
    if KEY_TABLE not in data:  # the person keys come from the key backup
        key_rows = _keys_for(data, keys, taken_at)
        data = {**data, KEY_TABLE: json.dumps(key_rows)}
        result.keys = len(key_rows)
    with transaction.atomic():
        _load(data, progress)
        mismatched = _mismatched(header)
        if key_rows is not None and json.loads(table_json(PersonKey)) != key_rows:
            mismatched.append(KEY_TABLE)
        if mismatched:
            raise ChecksumsDiffer(mismatched)  # leaves the atomic block: everything rolls back
        # The ledger from before the restore, the backup's own, and the restored list.
        entries |= set(ledger_read())
        result.erasures_reapplied = _reapply_erasures(
            entries, taken_at, keyed=keys is not None and key_rows is not None
        )
        for path in (settings.ERASURE_LEDGER, folder_copy()):  # a new machine has it now
            ledger_write(path, entries)
        transaction.on_commit(ledger_push, robust=True)
        audit_append(
            actor=SYSTEM,
            action="backup.restored",
            detail={"erasures_reapplied": result.erasures_reapplied},
        )
    return result
