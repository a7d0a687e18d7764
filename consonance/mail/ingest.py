"""Reading the coach's mailbox over IMAP, exactly once (P16, P17).

For each of INBOX and Sent (found by their SPECIAL-USE flags, or named in
CONSONANCE_IMAP_FOLDERS), one pass:

1. SELECT the folder, note its UIDVALIDITY, `UID SEARCH` the messages not yet deleted.
2. A UID the ledger already knows (folder, UIDVALIDITY, UID) was filed before a crash cut the
   pass short: it is not fetched again, only purged (step 4).
3. Each new message's RFC822.SIZE is fetched first; one over CONSONANCE_IMAP_MAX_MESSAGE is never
   downloaded (only its From and Subject, for the note to the coach) and is parked, see 5. The
   others are fetched one at a time with BODY.PEEK[] (nothing is marked read; one message in
   memory at a time), their DKIM signature checked (sender.py) and, in ONE database
   transaction, claimed in the ledger (a unique row per IMAP identity) and handed to the apps
   that file it (`mail.hooks.inbound_message`, then `inbound_unclaimed` for the contact queue),
   which store it encrypted. A message whose content hash is already in the ledger (the folder
   was recreated with a new UIDVALIDITY, or the same message came twice) is a duplicate: it is
   recorded and purged, never filed again.
4. Only after that commit: the filed messages get the keyword `$ConsonanceFiled`, `UID MOVE` to
   Trash, and in Trash every message with that keyword is flagged \\Deleted and removed with
   `UID EXPUNGE` (UIDPLUS) — never a bare EXPUNGE, so nothing else the coach deleted is touched.
   A message the site sent itself (a genuine X-Consonance-Mail header and the site's own From,
   mail/sender.py) — the coach's own "Ny bokning, betald" notice when her notices go to the very
   mailbox read here, or a copy in Sent — is recorded as "own" and removed the same way,
   never filed as a message from anyone.
5. A message that cannot be filed — too large, without a sender, unparseable — never blocks a
   pass: it is recorded in the ledger as parked, the coach gets a note in the contact queue
   (its size, sender and subject only) and on her overview, and after the commit it is moved to
   "Consonance/För stora" or "Consonance/Kunde inte läsas", where she reads it in her mail
   program. Only real failures (the database, a bug) count as errors and leave it in place.

A crash before the commit leaves the message where it was (fetched again next time); after the
commit and before the move, the ledger knows it (purged next time, not filed again); after the
move and before the expunge, the keyword finds it in Trash next time; a parked message the
ledger knows is moved to its folder next time. Logs carry counts and
UIDs only, never an address, subject or text.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from consonance.mail.hooks import PARKED_TOO_LARGE, PARKED_UNREADABLE
from consonance.mail.models import IngestedMessage
from consonance.mail.parking import PARKED_FOLDERS, park, parked_folder
from consonance.mail.parse import parse_headers, parse_message
from consonance.mail.sender import dkim_aligned

log = logging.getLogger("consonance.mail.ingest")

KEYWORD = "$ConsonanceFiled"
KEPT = "kept"
DUPLICATE = "duplicate"
CONTACT = "contact"
OWN = "own"  # a mail the site sent itself (mail/sender.py: sent_by_site)
FETCH_BATCH = 100  # sizes and dates per FETCH; bodies always one message at a time
# The headers the note about a message too large to download names, and at most this much of them.
NOTE_HEADERS = "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.16384>"


class IngestError(Exception):
    """The mailbox cannot be read (configuration, connection, a missing capability)."""


@dataclass
class IngestStats:
    fetched: int = 0
    filed: int = 0
    duplicates: int = 0
    deleted: int = 0
    to_contact_queue: int = 0
    own: int = 0
    parked: int = 0
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


def _note(mail: hooks.InboundMail, reason: str, folder: str, size: int) -> str:
    """Tell the coach about a parked message (the contact queue, when it names a sender)."""
    note = dataclasses.replace(mail, parked=reason, parked_folder=folder, size=size)
    hooks.inbound_unclaimed.first(note)
    return reason


def _read(raw: bytes, role: str, received: datetime) -> hooks.InboundMail | None:
    """The parsed message, its sender proven or not; None when it cannot be parsed."""
    try:
        return parse_message(
            raw,
            role=role,
            max_attachment=settings.CONSONANCE_IMAP_MAX_ATTACHMENT,
            received=received,
            dkim_aligned=role == "inbox" and dkim_aligned(raw),
        )
    except Exception as error:  # a poison message: parked below, the pass goes on
        log.warning("a message in %s cannot be parsed: %s", role, type(error).__name__)
        return None


def _file(
    raw: bytes, *, role: str, folder: str, uidvalidity: int, uid: int, received: datetime, park: str
) -> str:
    """Claim and file one message in one transaction; returns the outcome (a parking reason
    when no app would take it: it is moved to `park`'s folder after the commit)."""
    digest = hashlib.sha256(raw).hexdigest()
    mail = _read(raw, role, received)  # before the transaction: DKIM may ask DNS
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
        elif mail is None:
            outcome = KEPT
            if role == "inbox":
                header = parse_headers(raw, received=received)
                outcome = _note(header, PARKED_UNREADABLE, park, len(raw))
        elif mail.sent_by_site:
            outcome = OWN  # her own notice (or its copy in Sent): removed, never filed
        else:
            outcome = hooks.inbound_message.first(mail)
            if outcome is None and role == "inbox":
                outcome = CONTACT if hooks.inbound_unclaimed.first(mail) else None
                outcome = outcome or _note(mail, PARKED_UNREADABLE, park, len(raw))
            outcome = outcome or KEPT
        row.outcome = outcome
        row.size = len(raw)
        row.save(update_fields=["outcome", "size"])
    return outcome


def _too_large(
    client: IMAPClient,
    role: str,
    *,
    folder: str,
    uidvalidity: int,
    uid: int,
    size: int,
    received,
    park: str,
) -> str:
    """Record a message too large to download. From the inbox it is parked (moved to `park`)
    and the coach told its sender and subject; the coach's own large mail stays in Sent, unread."""
    outcome = PARKED_TOO_LARGE if role == "inbox" else KEPT
    mail = None
    if outcome == PARKED_TOO_LARGE:
        fetched = client.fetch([uid], [NOTE_HEADERS]).get(uid, {})
        header = next((v for k, v in fetched.items() if k.startswith(b"BODY[")), b"") or b""
        mail = parse_headers(bytes(header), received=received)
    with transaction.atomic():
        # No content hash: the message was never read. Its IMAP identity still makes it once.
        IngestedMessage.objects.create(
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            content_hash="",
            outcome=outcome,
            size=size,
        )
        if mail is not None:
            _note(mail, PARKED_TOO_LARGE, park, size)
    return outcome


def _count(stats: IngestStats, outcome: str) -> None:
    if outcome == DUPLICATE:
        stats.duplicates += 1
    elif outcome == CONTACT:
        stats.to_contact_queue += 1
    elif outcome == OWN:
        stats.own += 1
    elif outcome in PARKED_FOLDERS:
        stats.parked += 1
    elif outcome != KEPT:
        stats.filed += 1


def _when(data: dict) -> datetime:
    received = data.get(b"INTERNALDATE")
    return received if isinstance(received, datetime) and received.tzinfo else timezone.now()


def _take_one(
    client: IMAPClient, role: str, folder: str, uidvalidity: int, uid: int, data: dict, parks
):
    """Download (when small enough) and file one message; its outcome, or None when it is gone.
    `parks`: the folder of each parking reason."""
    size = int(data.get(b"RFC822.SIZE") or 0)
    received = _when(data)
    if size > settings.CONSONANCE_IMAP_MAX_MESSAGE:
        return _too_large(
            client,
            role,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            size=size,
            received=received,
            park=parks[PARKED_TOO_LARGE],
        )
    body = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
    if body is None or b"BODY[]" not in body:
        return None  # expunged meanwhile by someone else
    return _file(
        body[b"BODY[]"],
        role=role,
        folder=folder,
        uidvalidity=uidvalidity,
        uid=uid,
        received=received,
        park=parks[PARKED_UNREADABLE],
    )


def _fetch_and_file(
    client: IMAPClient, role: str, folder: str, uidvalidity: int, uids: list[int], stats
) -> tuple[list[int], dict[str, list[int]]]:
    """File the new messages; returns those to purge and those to park, by reason."""
    done: list[int] = []
    parked: dict[str, list[int]] = {reason: [] for reason in PARKED_FOLDERS}
    parks = {reason: parked_folder(client, reason) for reason in PARKED_FOLDERS}
    for batch in _chunks(uids, FETCH_BATCH):
        sizes = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
        for uid in batch:
            if uid not in sizes:
                continue  # expunged meanwhile by someone else
            try:
                outcome = _take_one(client, role, folder, uidvalidity, uid, sizes[uid], parks)
            except IntegrityError:
                # Another worker claimed this very UID a moment ago: it files it, we purge it.
                stats.fetched += 1
                stats.duplicates += 1
                done.append(uid)
                continue
            except (IMAPClientError, OSError):
                raise  # the mailbox is gone: a failure of the whole pass
            except Exception as error:
                stats.errors += 1
                log.error("message uid %s in %s not filed: %s", uid, role, type(error).__name__)
                continue
            if outcome is None:
                continue
            stats.fetched += 1
            _count(stats, outcome)
            if outcome in parked:
                parked[outcome].append(uid)
            elif outcome != KEPT:
                done.append(uid)
    return done, parked


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
    # Known UIDs were filed before a crash cut a pass short: only moved on now.
    to_purge = [uid for uid, outcome in known.items() if outcome not in (KEPT, *PARKED_FOLDERS)]
    to_park = {r: [uid for uid, o in known.items() if o == r] for r in PARKED_FOLDERS}
    new = [uid for uid in uids if uid not in known]
    done, parked = _fetch_and_file(client, role, folder, uidvalidity, new, stats)
    park(client, folder, {r: to_park[r] + parked[r] for r in PARKED_FOLDERS}, uidvalidity)
    stats.deleted += purge(client, folder, trash, to_purge + done, uidvalidity)


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
