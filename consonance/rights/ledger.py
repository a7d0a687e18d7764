"""The erasure ledger: which addresses were erased when, as keyed hashes only.

Every erasure appends a line `<ISO time> <hash>` to settings.ERASURE_LEDGER, a file kept beside the
database (not in it, so that a restore of an older database cannot take it back in time). The
mail suppression list (reason "erasure") holds the same hashes in the database. A restore reads
both and re-applies every erasure made after its backup was taken (backup.py), before the site
serves again. The hash is the suppression list's (an HMAC keyed from the master key): the ledger
names nobody to whoever reads it without the key.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

from consonance.mail.models import Suppression
from consonance.mail.outbox import address_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Entry:
    erased_at: dt.datetime
    address_hash: str


def _append(line: str) -> None:
    path = settings.ERASURE_LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="ascii") as ledger:
        ledger.write(line)
        ledger.flush()
        os.fsync(ledger.fileno())


def ledger_record(*, email: str, erased_at: dt.datetime) -> None:
    """Append the erasure to the ledger file once the erasure's transaction has committed."""
    line = f"{erased_at.astimezone(dt.UTC).isoformat()} {address_hash(email)}\n"
    transaction.on_commit(lambda: _append(line), robust=True)


def ledger_read() -> list[Entry]:
    """Every erasure known, from the file and from the database's suppression list."""
    entries: set[Entry] = set()
    path = settings.ERASURE_LEDGER
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            stamp, _sep, digest = line.strip().partition(" ")
            try:
                entries.add(Entry(dt.datetime.fromisoformat(stamp), digest))
            except ValueError:
                log.warning("%s:%s: not a ledger line, skipped", path, number)
    try:
        for digest, created in Suppression.objects.filter(reason="erasure").values_list(
            "address_hash", "created_at"
        ):
            entries.add(Entry(created, digest))
    except DatabaseError:  # an empty database being restored into
        log.info("no suppression list in the database; the ledger file alone is used")
    return sorted(entries)
