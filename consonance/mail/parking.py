"""Parking: messages the ingestion cannot file (too large, no sender, unparseable) are moved out
of the inbox into folders of their own, where the coach reads them in her mail program; the
ledger keeps their size and reason for her overview (see ingest.py, step 5)."""

from __future__ import annotations

import contextlib

from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from consonance.mail.hooks import PARKED_TOO_LARGE, PARKED_UNREADABLE
from consonance.mail.models import IngestedMessage

# Where parked messages go, below the personal namespace, one folder per reason.
PARKED_FOLDERS = {PARKED_TOO_LARGE: "För stora", PARKED_UNREADABLE: "Kunde inte läsas"}
PARKED_PARENT = "Consonance"


def parked_folder(client: IMAPClient, reason: str) -> str:
    """The folder for parked messages of `reason` ("Consonance/För stora"), in the server's
    personal namespace and with its hierarchy separator."""
    prefix, separator = "", "/"
    with contextlib.suppress(IMAPClientError, IndexError, TypeError, ValueError):
        personal = client.namespace().personal
        if personal:
            prefix, found = personal[0]
            separator = found or separator
    if isinstance(separator, bytes):
        separator = separator.decode()
    return f"{prefix}{PARKED_PARENT}{separator}{PARKED_FOLDERS[reason]}"


def park(client: IMAPClient, folder: str, parked: dict[str, list[int]], uidvalidity: int) -> None:
    """Move the parked messages out of the way, each reason to its folder."""
    for reason, uids in parked.items():
        if not uids:
            continue
        target = parked_folder(client, reason)
        if not client.folder_exists(target):
            client.create_folder(target)
        client.select_folder(folder)
        client.move(sorted(set(uids)), target)
        IngestedMessage.objects.filter(
            folder=folder, uidvalidity=uidvalidity, uid__in=uids, purged_at=None
        ).update(purged_at=timezone.now())


def parked_path(row: IngestedMessage) -> str:
    """The folder a parked message was moved to, as the coach finds it ("Consonance/För stora")."""
    return f"{PARKED_PARENT}/{PARKED_FOLDERS.get(row.outcome, '')}"
