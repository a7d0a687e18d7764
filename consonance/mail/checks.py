"""The mail app's deployment warning: the coach's notices going to the mailbox the worker reads.

With the README's defaults (CONSONANCE_STAFF_EMAIL unset, so notices go to the practice address,
and the mailbox reader signed in to that same mailbox) every "Ny bokning, betald" lands where the
ingestion reads. They are recognised and removed without filing (mail/sender.py, ingest.py), so
she would not see them in her mail program either: the warning says so, at start-up and on her
outbox page.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core import checks


def _address(value: str) -> str:
    return parseaddr(value or "")[1].strip().lower()


def notices_to_ingested_mailbox() -> bool:
    """True when the mailbox is read and the notices to the coach go to that same mailbox: its
    sign-in name when that is an address, else the site's own sender address."""
    if not settings.CONSONANCE_IMAP_HOST:
        return False
    staff = _address(settings.CONSONANCE_STAFF_EMAIL)
    user = settings.CONSONANCE_IMAP_USER.strip().lower()
    mailbox = user if "@" in user else _address(settings.DEFAULT_FROM_EMAIL)
    return bool(staff) and staff == mailbox


@checks.register("consonance")
def check_notices_not_ingested(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not notices_to_ingested_mailbox():
        return []
    return [
        checks.Warning(
            "CONSONANCE_STAFF_EMAIL is the mailbox the worker reads (CONSONANCE_IMAP_USER): "
            "the notices to the coach are recognised there and removed without filing, so they "
            "never show in her mail program.",
            hint="Set CONSONANCE_STAFF_EMAIL to another address of hers to read the notices "
            "by e-mail; the staff overview shows the same either way.",
            id="consonance.W035",
        )
    ]
