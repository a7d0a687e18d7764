"""Restore of a backup with 100 000 rows: the bulk restore against the old per-row one.

Target (issue 16): well under 30 s for 100 000 rows. The database holds 25 000 people, their
25 000 wrapped keys and 50 000 audit events; one backup of it is restored twice in the same run,
each time as `consonance restore` does it (read and decrypt the file, replace every table in one
transaction, compare every table's checksum, re-apply erasures): once with the bulk insert of
operations/restore.py, once with the method it replaced (each row saved on its own, which is an
UPDATE that finds nothing and then an INSERT), kept here only as the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, smoke, write_results

ROWS = 1_000 if smoke() else 100_000
TARGET_S = 30.0


def _populate(rows: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from consonance.audit.models import Event
    from consonance.people.models import Person

    people = rows // 4
    now = timezone.now()
    # bulk_create encrypts their identifiers and stores each one's new key (people.PersonKey).
    Person.objects.bulk_create(
        Person(email=f"p{i}@example.se", first_name=f"Förnamn{i}", last_name=f"Efternamn{i}")
        for i in range(people)
    )
    Event.objects.bulk_create(
        Event(
            seq=i + 1,
            at=now - dt.timedelta(seconds=rows - i),
            actor="system",
            action="bench.event",
            subject_id=i % people,
            category="contact_details",
            detail='{"n":1}',
            prev_hash=f"{i:064d}",
            hash=f"{i + 1:064d}",
        )
        for i in range(rows - 2 * people)
    )


def _per_row(model, objects) -> None:
    """The old restore's insert: Model.save() per row (raw, so an UPDATE then an INSERT)."""
    from consonance.lib.identifiers import raw_values

    with raw_values():  # raw saves write encrypted identifiers as the ciphertext they were
        for obj in objects:
            obj.save()


def measure(url: str, rows: int) -> dict:
    from _common import setup_django, timed

    folder = Path(tempfile.mkdtemp(prefix="bench_restore_"))
    os.environ["CONSONANCE_ERASURE_LEDGER"] = str(folder / "ledger.txt")
    os.environ["CONSONANCE_BACKUP_DIR"] = str(folder / "backups")  # its ledger copy goes there
    setup_django(url)
    from consonance.operations import restore
    from consonance.operations.backup import backup_read, backup_write
    from consonance.operations.backup_keys import keys_beside, keys_read

    _populate(rows)
    path = backup_write(folder / "bench.backup")
    header, _data = backup_read(path)
    _key_header, keys = keys_read(keys_beside(path))  # the person keys, kept apart
    total = sum(t["rows"] for t in header["tables"].values()) + _key_header["rows"]

    def run() -> None:
        restore.backup_restore(*backup_read(path), restore.ledger_gather(), keys=keys)

    bulk = timed(run, 2)
    restore._insert = _per_row  # the baseline, for this process only
    per_row = timed(run, 1)
    return {
        "rows": total,
        "backup_bytes": path.stat().st_size,
        "bulk_s": round(min(bulk), 2),
        "per_row_s": round(min(per_row), 2),
        "speed_up": round(min(per_row) / min(bulk), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        rows = int(os.environ.get("BENCH_RESTORE_ROWS", ROWS))  # fewer for a quick try
        Path(args.json_out).write_text(json.dumps(measure(args.database_url, rows)))
        return
    results = run_per_database(__file__, "restore")
    for r in results:
        r["met"] = r["bulk_s"] < TARGET_S
    print_table(
        ["database", "rows", "bulk restore", "per-row (before)", "speed-up", "target < 30 s"],
        [
            [
                r["database"],
                r["rows"],
                f"{r['bulk_s']} s",
                f"{r['per_row_s']} s",
                f"{r['speed_up']}×",
                "met" if r["met"] else "MISSED",
            ]
            for r in results
        ],
    )
    write_results("restore", {"target_s": TARGET_S, "results": results})


if __name__ == "__main__":
    main()
