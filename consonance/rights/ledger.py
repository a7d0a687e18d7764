"""The erasure ledger: which addresses were erased when, as keyed hashes only.

Every erasure appends a line per address the person ever had to settings.ERASURE_LEDGER, a file
kept beside the database (not in it, so that a restore of an older database cannot take it back
in time): `<ISO time> <hash>` for the address she had when erased, `<ISO time> <hash> <ISO time>`
for an earlier one, with when she left it (rights.PreviousAddress). The same lines go to the
current copy in the backup folder (`erasure-ledger.txt` in CONSONANCE_BACKUP_DIR) and, from
there, to the off-site bucket (backup_offsite.py); each backup also carries the ledger of its
day inside it. The mail suppression list (reason "erasure") holds the current hashes in the
database. A restore reads them all and re-applies every erasure made after its backup was taken
(restore.py), before the site serves again. The hash is the suppression list's (an HMAC keyed
from the master key): the ledger names nobody to whoever reads it without the key.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from consonance.mail.models import Suppression
from consonance.mail.outbox import address_hash

log = logging.getLogger(__name__)

LEDGER_NAME = "erasure-ledger.txt"


@dataclass(frozen=True, order=True)
class Entry:
    erased_at: dt.datetime
    address_hash: str
    # For an address she had left before she was erased: when she left it (None: her last one).
    until: dt.datetime | None = None

    def line(self) -> str:
        stamps = [self.erased_at.astimezone(dt.UTC).isoformat(), self.address_hash]
        if self.until:
            stamps.append(self.until.astimezone(dt.UTC).isoformat())
        return " ".join(stamps) + "\n"

    def holds(self, taken_at: dt.datetime) -> bool:
        """Whether a backup taken at `taken_at` may hold the person this entry erased under this
        address: she was erased later, and (for an earlier address) still had it then."""
        return self.erased_at > taken_at and (self.until is None or self.until > taken_at)


def folder_copy() -> Path:
    """The ledger's current copy beside the backups."""
    return settings.BACKUP_DIR / LEDGER_NAME


def ledger_parse(text: str, where: str) -> set[Entry]:
    entries = set()
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        try:
            if len(fields) not in (2, 3):
                raise ValueError(line)
            until = dt.datetime.fromisoformat(fields[2]) if len(fields) == 3 else None
            entries.add(Entry(dt.datetime.fromisoformat(fields[0]), fields[1], until))
        except ValueError:
            log.warning("%s:%s: not a ledger line, skipped", where, number)
    return entries


def ledger_text(entries: set[Entry]) -> str:
    return "".join(e.line() for e in sorted(entries))


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="ascii") as ledger:
        ledger.write(text)
        ledger.flush()
        os.fsync(ledger.fileno())


def ledger_write(path: Path, entries: set[Entry]) -> None:
    """Replace the ledger at `path` with `entries` plus what it already holds (never fewer)."""
    if path.exists():
        entries = entries | ledger_parse(path.read_text(encoding="ascii"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="ascii") as ledger:
        ledger.write(ledger_text(entries))
        ledger.flush()
        os.fsync(ledger.fileno())
    part.replace(path)


def ledger_record(*, email: str, previous: list[tuple[str, dt.datetime]], erased_at: dt.datetime):
    """Write the erasure to the ledger and its copy in the backup folder, before the erasure
    commits (a failure to write fails the erasure): her address, and each earlier one as
    (keyed hash, when she left it)."""
    entries = {Entry(erased_at, address_hash(email))}
    entries |= {Entry(erased_at, digest, until) for digest, until in previous}
    text = ledger_text(entries)
    _append(settings.ERASURE_LEDGER, text)
    _append(folder_copy(), text)


def ledger_local() -> set[Entry]:
    """The ledger on this machine: the file, its copy in the backup folder, and the database's
    suppression list (reason "erasure")."""
    entries: set[Entry] = set()
    for path in (settings.ERASURE_LEDGER, folder_copy()):
        if path.exists():
            entries |= ledger_parse(path.read_text(encoding="ascii"), str(path))
    try:
        for digest, created in Suppression.objects.filter(reason="erasure").values_list(
            "address_hash", "created_at"
        ):
            entries.add(Entry(created, digest))
    except DatabaseError:  # an empty database being restored into
        log.info("no suppression list in the database; the ledger files alone are used")
    return entries


def ledger_read() -> list[Entry]:
    """Every erasure known on this machine, oldest first."""
    return sorted(ledger_local())


def ledger_knows(email: str) -> bool:
    """Whether the ledger holds an erasure of this address (current or earlier)."""
    digest = address_hash(email)
    return any(e.address_hash == digest for e in ledger_local())


def ledger_covers(erased_at: dt.datetime) -> bool:
    """Whether the ledger beside the backups holds the erasure made at `erased_at`."""
    path = folder_copy()
    if not path.exists():
        return False
    return any(
        e.erased_at == erased_at for e in ledger_parse(path.read_text(encoding="ascii"), str(path))
    )
