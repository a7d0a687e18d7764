"""A raw-bytes residue test (issue 19, item 5): after a person is erased as staff erase her, none of
her identifiers and none of her encrypted content is readable in any byte the database wrote
(SQLite: the database file and its WAL; PostgreSQL: every table, TOAST and index file of the
site, and the WAL written meanwhile), nor in a backup taken before the erasure, decrypted with
the backup key. Her person key is never in a data backup, only in key backups, deleted after
CONSONANCE_KEY_BACKUP_DAYS.

How the bytes are found:
- SQLite: `PRAGMA wal_checkpoint(FULL)` copies the WAL's pages into the database file without
  truncating the WAL, then both files are read as they lie on disk (every frame the WAL still
  holds, checkpointed or not).
- PostgreSQL (superuser, as the tests connect): after the erasure the WAL written since she was
  created (from the position noted then to the current one, `pg_walfile_name_offset`) is read
  with `pg_read_binary_file('pg_wal/<segment>')`, before a checkpoint of ours could recycle it
  (the WAL is the cluster's: other databases and earlier runs wrote the rest); then
  `CHECKPOINT` writes every dirty page, and each relation of the site (kinds r, i, t, m in `public` and `pg_toast`) is read
  from `pg_relation_filepath(oid)`. Dead tuples stay in heap and index pages after DELETE or
  UPDATE, which is what this test is about.

Identifiers (names, address, e-mail, phone) are encrypted under her key (lib/identifiers.py),
and the texts of mail to her too: destroying her key leaves only ciphertext in every copy.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from consonance.contact.models import Message
from consonance.journal.models import Note
from consonance.mail.outbox import mail_queue
from consonance.operations.backup import backup_read
from consonance.operations.backup_keys import KEY_TABLE, keys_read
from consonance.operations.tasks import keys_rotate_task
from consonance.payments.models import BillingDetails
from consonance.people.models import Person, PersonKey
from tests.factories import encrypted, populated_person

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "residue.zq7x@example.se"
FIRST, LAST = "Zqxvanna", "Rblomqvist"
PHONE = "0709871234"
STREET = "Zqxgatan 71"
IDENTIFIERS = [EMAIL, FIRST, LAST, PHONE, STREET, EMAIL.split("@")[0]]
NOTE = "Zqxnote: sover daligt sedan i varas"
MESSAGE = "Zqxcontact: har ni en tid i maj"
CONTENT = [NOTE, MESSAGE, "Zqxnote", "Zqxcontact"]


# A whole file through the server (PostgreSQL 15 has missing_ok only with offset and length).
READ = "pg_read_binary_file({path}, 0, coalesce((pg_stat_file({path}, true)).size, 0), true)"


def _wal_position() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _sqlite_bytes() -> dict[str, bytes]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    database = Path(connection.settings_dict["NAME"])
    files = [database, database.with_name(database.name + "-wal")]
    return {path.name: path.read_bytes() for path in files if path.exists()}


def _pg_wal_bytes(start: str) -> dict[str, bytes]:
    """The WAL written since `start`, byte for byte: from her creation to after the erasure. The
    WAL is the whole cluster's, so only this range is hers to answer for (older and recycled
    segments hold other databases' and earlier runs' bytes)."""
    with connection.cursor() as cursor:
        # Her erasure is still in the test's transaction: its last WAL records may sit in the
        # WAL buffers, not in the file (the WAL writer writes only full pages of a transaction
        # still open). A segment switch flushes everything before it.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (end,) = cursor.fetchone()
        cursor.execute("SELECT pg_switch_wal()")
        cursor.execute(
            "SELECT a.file_name, a.file_offset, b.file_name, b.file_offset "
            "FROM pg_walfile_name_offset(%s::pg_lsn) a, pg_walfile_name_offset(%s::pg_lsn) b",
            [start, end],
        )
        first, first_offset, last, last_offset = cursor.fetchone()
        cursor.execute(
            f"SELECT name, {READ.format(path="'pg_wal/' || name")} FROM pg_ls_waldir() "
            "WHERE name BETWEEN %s AND %s ORDER BY name",
            [first, last],
        )
        segments = {name: bytes(data) for name, data in cursor.fetchall() if data}
    # Both ends are there (the one being written, and hers, not yet recycled: seconds ago).
    assert first in segments and last in segments
    segments[last] = segments[last][:last_offset]
    segments[first] = segments[first][first_offset:]
    return {f"pg_wal/{name}": data for name, data in segments.items()}


def _pg_bytes(start: str) -> dict[str, bytes]:
    blobs = _pg_wal_bytes(start)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm') "
            "AND pg_relation_filepath(c.oid) IS NOT NULL"
        )
        relations = cursor.fetchall()
        cursor.execute(
            f"SELECT p, {READ.format(path='p')} FROM unnest(%s::text[]) AS p",
            [[path for _name, path in relations]],
        )
        files = {path: bytes(data) for path, data in cursor.fetchall() if data is not None}
    names = {name for name, _path in relations}
    assert {"people_person", "journal_note", "payments_billingdetails"} <= names
    blobs.update(files)
    return blobs


def _found(blobs: dict[str, bytes], needles: list[str]) -> list[str]:
    """`needle in where` for each needle found (UTF-8, case-insensitive) in any blob."""
    lowered = {where: blob.lower() for where, blob in blobs.items()}
    return [
        f"{needle!r} in {where}"
        for needle in needles
        for where, blob in lowered.items()
        if needle.lower().encode() in blob
    ]


def _backup_bytes(path: Path) -> dict[str, bytes]:
    """The backup decrypted with the backup key, its tables as UTF-8 JSON."""
    _header, data = backup_read(path)
    tables = {label: json.loads(text) for label, text in data.items() if label != "erasure-ledger"}
    return {"the backup (decrypted)": json.dumps(tables, ensure_ascii=False).encode()}


@pytest.fixture
def erased(tmp_path, client) -> dict:
    """Her, with a paid order and billing details, a journal note, a contact message and a mail
    to her; a backup taken; then erased as staff erase her (`consonance rights erase`)."""
    start = _wal_position()
    person = populated_person(EMAIL, FIRST, LAST)  # a paid order, billing details, a mail, ...
    details = BillingDetails.objects.get(person=person)
    details.phone, details.street_address = PHONE, STREET  # encrypted under her key, on save
    details.save()
    Note.objects.create(person=person, body_ciphertext=encrypted(person, Note, NOTE))
    Message.objects.create(person=person, body_ciphertext=encrypted(person, Message, MESSAGE))
    mail_queue(to=EMAIL, template="rights_link", context={"url": "x", "minutes": 30})
    wrapped = bytes(PersonKey.objects.get(person=person).wrapped_key)
    backup = tmp_path / "before.backup"
    call_command("backup", "--out", str(backup), stdout=StringIO())
    out = StringIO()
    call_command("rights", "erase", "--email", EMAIL, stdout=out)
    assert not Person.objects.filter(pk=person.pk).exists()
    blobs = _pg_bytes(start) if start else _sqlite_bytes()
    return {
        "person": person.pk,
        "wrapped": wrapped,
        "backup": backup,
        "database": blobs,
        "backup_bytes": _backup_bytes(backup),
    }


def test_none_of_her_identifiers_is_left_in_clear_in_any_byte(erased):
    found = _found(erased["database"], IDENTIFIERS) + _found(erased["backup_bytes"], IDENTIFIERS)
    assert found == []


def test_her_content_is_in_no_byte_in_clear_and_her_key_leaves_every_copy_within_days(
    erased, settings
):
    # The files read are the real ones: what the site keeps in clear is found in them.
    assert sum(map(len, erased["database"].values())) > 100_000
    assert _found(erased["database"], ["Videokonsultation 50 min"])
    wal = {k: v for k, v in erased["database"].items() if k.startswith("pg_wal/")}
    assert not wal or _found(wal, ["person.erased"])  # the range read holds the erasure itself
    assert _found(erased["database"], CONTENT) == []
    assert _found(erased["backup_bytes"], CONTENT) == []
    # The data backup taken before the erasure holds no person key at all, hers neither.
    _header, data = backup_read(erased["backup"])
    assert KEY_TABLE not in data
    backup_text = erased["backup_bytes"]["the backup (decrypted)"]
    # (Legal-hold keys are: what the law keeps must come back with the books it opens.)
    assert b'"people.personkey"' not in backup_text
    assert erased["wrapped"] not in backup_text
    # Her key is only in the key backup taken with it, deleted after the key window.
    keys = Path(f"{erased['backup']}.keys")
    _header, table = keys_read(keys)
    assert erased["person"] in {row["pk"] for row in json.loads(table)}  # taken before
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.KEY_BACKUP_DAYS, minutes=1)
    with time_machine.travel(later):
        assert keys_rotate_task.call() >= 1  # the hourly job
    assert not keys.exists()
    assert list(settings.BACKUP_DIR.glob("*.keys")) == []
    # The data backup is still there (its own, longer window), but nothing opens her content.
    assert erased["backup"].exists()
