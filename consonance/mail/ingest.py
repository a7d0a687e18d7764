"""Reading the coach's mailbox over IMAP, exactly once (P16, P17).

For each of INBOX and Sent (found by their SPECIAL-USE flags, or named in
CONSONANCE_IMAP_FOLDERS), one pass:

1. SELECT the folder, note its UIDVALIDITY, `UID SEARCH` the messages not yet deleted.
2. A UID the ledger already knows (folder, UIDVALIDITY, UID) was filed before a crash cut the
   pass short: it is not fetched again, only purged (step 4).
3. Each new message is fetched with BODY.PEEK[] (nothing is marked read) and, in ONE database
   transaction, claimed in the ledger (a unique row per IMAP identity) and handed to the apps
   that file it (`mail.hooks.inbound_message`, then `inbound_unclaimed` for the contact queue),
   which store it encrypted. A message whose content hash is already in the ledger (the folder
   was recreated with a new UIDVALIDITY, or the same message came twice) is a duplicate: it is
   recorded and purged, never filed again.
4. Only after that commit: the filed messages get the keyword `$ConsonanceFiled`, `UID MOVE` to
   Trash, and in Trash every message with that keyword is flagged \\Deleted and removed with
   `UID EXPUNGE` (UIDPLUS) — never a bare EXPUNGE, so nothing else the coach deleted is touched.

A crash before the commit leaves the message where it was (fetched again next time); after the
commit and before the move, the ledger knows it (purged next time, not filed again); after the
move and before the expunge, the keyword finds it in Trash next time. Logs carry counts and
UIDs only, never an address, subject or text.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from consonance.mail import hooks
from consonance.mail.models import IngestedMessage
from consonance.mail.parse import parse_message

log = logging.getLogger("consonance.mail.ingest")

KEYWORD = "$ConsonanceFiled"
KEPT = "kept"
DUPLICATE = "duplicate"
CONTACT = "contact"
FETCH_BATCH = 100


class IngestError(Exception):
    """The mailbox cannot be read (configuration, connection, a missing capability)."""


@dataclass
class IngestStats:
    fetched: int = 0
    filed: int = 0
    duplicates: int = 0
    deleted: int = 0
    to_contact_queue: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _connect() -> IMAPClient:
    host = settings.CONSONANCE_IMAP_HOST
    if not host:
        raise IngestError("CONSONANCE_IMAP_HOST is not set")
    security = settings.CONSONANCE_IMAP_SECURITY
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            host,
            port=settings.CONSONANCE_IMAP_PORT,
            ssl=security == "ssl",
            ssl_context=context if security == "ssl" else None,
            timeout=60,
        )
        if security == "starttls":
            client.starttls(context)
        client.login(settings.CONSONANCE_IMAP_USER, settings.CONSONANCE_IMAP_PASSWORD)
    except (OSError, IMAPClientError) as error:
        raise IngestError(f"cannot sign in to the IMAP server: {type(error).__name__}") from error
    return client


def find_folders(client: IMAPClient) -> dict[str, str]:
    """INBOX, Sent and Trash: the configured names, else by SPECIAL-USE flag (RFC 6154)."""
    configured = dict(settings.CONSONANCE_IMAP_FOLDERS)
    folders = {"inbox": configured.get("inbox", "INBOX")}
    for role, flag in (("sent", b"\\Sent"), ("trash", b"\\Trash")):
        if role in configured:
            folders[role] = configured[role]
            continue
        found = client.find_special_folder(flag)
        if found is None:
            raise IngestError(
                f"no folder with the {flag.decode()} flag; set CONSONANCE_IMAP_FOLDERS"
            )
        folders[role] = found
    return folders


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _first_label(hook, mail: hooks.InboundMail) -> str | None:
    for handler in hook.handlers:
        label = handler(mail)
        if label:
            return str(label)
    return None


def _file(
    raw: bytes, *, role: str, folder: str, uidvalidity: int, uid: int, received: datetime
) -> str | None:
    """Claim and file one message in one transaction. Returns the outcome, or None when no app
    would take it (it stays in the folder, untouched)."""
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        prior = list(
            IngestedMessage.objects.filter(content_hash=digest).values_list("outcome", flat=True)
        )
        row = IngestedMessage.objects.create(
            folder=folder, uidvalidity=uidvalidity, uid=uid, content_hash=digest, outcome=""
        )
        outcome: str | None
        if prior:
            outcome = KEPT if all(p == KEPT for p in prior) else DUPLICATE
        else:
            mail = parse_message(
                raw,
                role=role,
                max_attachment=settings.CONSONANCE_IMAP_MAX_ATTACHMENT,
                received=received,
            )
            outcome = _first_label(hooks.inbound_message, mail)
            if outcome is None and role == "inbox":
                outcome = CONTACT if _first_label(hooks.inbound_unclaimed, mail) else None
            if outcome is None:
                if role == "inbox":
                    transaction.set_rollback(True)
                    return None
                outcome = KEPT
        row.outcome = outcome
        row.save(update_fields=["outcome"])
    return outcome


def _count(stats: IngestStats, outcome: str) -> None:
    if outcome == DUPLICATE:
        stats.duplicates += 1
    elif outcome == CONTACT:
        stats.to_contact_queue += 1
    elif outcome != KEPT:
        stats.filed += 1


def _fetch_and_file(
    client: IMAPClient, role: str, folder: str, uidvalidity: int, uids: list[int], stats
) -> list[int]:
    done: list[int] = []
    for batch in _chunks(uids, FETCH_BATCH):
        fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in batch:
            data = fetched.get(uid)
            if data is None or b"BODY[]" not in data:
                continue  # expunged meanwhile by someone else
            stats.fetched += 1
            received = data.get(b"INTERNALDATE")
            received = (
                received if isinstance(received, datetime) and received.tzinfo else timezone.now()
            )
            try:
                outcome = _file(
                    data[b"BODY[]"],
                    role=role,
                    folder=folder,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    received=received,
                )
            except IntegrityError:
                # Another worker claimed this very UID a moment ago: it files it, we purge it.
                stats.duplicates += 1
                done.append(uid)
                continue
            except Exception as error:
                stats.errors += 1
                log.error("message uid %s in %s not filed: %s", uid, role, type(error).__name__)
                continue
            if outcome is None:
                stats.errors += 1
                log.warning("message uid %s in %s: no app took it; left in place", uid, role)
                continue
            _count(stats, outcome)
            if outcome != KEPT:
                done.append(uid)
    return done


def purge(
    client: IMAPClient, folder: str, trash: str, uids: Iterable[int], uidvalidity: int
) -> int:
    """Move the filed messages to Trash and remove them there (only those, by keyword)."""
    uids = sorted(set(uids))
    moved = 0
    if uids:
        client.select_folder(folder)
        client.add_flags(uids, [KEYWORD], silent=True)
        client.move(uids, trash)
        moved = len(uids)
        IngestedMessage.objects.filter(
            folder=folder, uidvalidity=uidvalidity, uid__in=uids, purged_at=None
        ).update(purged_at=timezone.now())
    purge_trash(client, trash)
    return moved


def purge_trash(client: IMAPClient, trash: str) -> int:
    client.select_folder(trash)
    marked = client.search(["KEYWORD", KEYWORD])
    if marked:
        client.add_flags(marked, [b"\\Deleted"], silent=True)
        client.uid_expunge(marked)
    return len(marked)


def _pass_folder(
    client: IMAPClient, role: str, folder: str, trash: str, stats: IngestStats
) -> None:
    info = client.select_folder(folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    uids = [int(u) for u in client.search(["NOT", "DELETED"])]
    known: dict[int, str] = {}
    for batch in _chunks(uids, 1000):
        known.update(
            IngestedMessage.objects.filter(
                folder=folder, uidvalidity=uidvalidity, uid__in=batch
            ).values_list("uid", "outcome")
        )
    to_purge = [uid for uid, outcome in known.items() if outcome != KEPT]
    new = [uid for uid in uids if uid not in known]
    to_purge += _fetch_and_file(client, role, folder, uidvalidity, new, stats)
    stats.deleted += purge(client, folder, trash, to_purge, uidvalidity)


def ingest_once() -> IngestStats:
    """One pass over INBOX and Sent. Raises IngestError when the mailbox cannot be used."""
    stats = IngestStats()
    client = _connect()
    try:
        capabilities = set(client.capabilities())
        missing = {b"MOVE", b"UIDPLUS"} - capabilities
        if missing:
            raise IngestError(
                "the IMAP server lacks " + ", ".join(sorted(m.decode() for m in missing))
            )
        folders = find_folders(client)
        purge_trash(client, folders["trash"])  # what a crash left there last time
        for role in ("inbox", "sent"):
            _pass_folder(client, role, folders[role], folders["trash"], stats)
    except IMAPClientError as error:
        raise IngestError(f"IMAP error: {type(error).__name__}") from error
    finally:
        with contextlib.suppress(OSError, IMAPClientError):
            client.logout()
    log.info("mail ingest: %s", stats.as_dict())
    return stats
