"""The suppression list: addresses that get no more mail (an erased person's, a hard bounce),
held as keyed hashes only (see models.Suppression). Read by the outbox when it queues and by the
sending engine when it sends; `outbox` re-exports these for the apps above.
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import transaction

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.keyring import stable_key
from consonance.lib.text import normalise_email
from consonance.mail.models import Suppression


def address_hash(email: str) -> str:
    """The keyed hash under which an address is stored on the suppression list."""
    key = stable_key("mail-suppression")  # never changes: the ledger and the list hold these
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def mail_is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(address_hash=address_hash(email)).exists()


def mail_suppress(*, email: str, reason: str) -> bool:
    """Put an address on the suppression list (idempotent); True when it was not there yet.

    `reason` is a short code, never personal data: "erasure", "bounce", "complaint", "manual".
    """
    if not reason or len(reason) > 40:
        raise ValueError("reason must be a short code (1-40 characters)")
    with transaction.atomic():
        _, created = Suppression.objects.get_or_create(
            address_hash=address_hash(email), defaults={"reason": reason}
        )
        if created:
            audit_append(actor=SYSTEM, action="mail.suppressed", detail={"reason": reason})
    return created


def mail_unsuppress(*, email: str) -> bool:
    """Take an address off the suppression list; True when it was there."""
    with transaction.atomic():
        deleted, _ = Suppression.objects.filter(address_hash=address_hash(email)).delete()
        if deleted:
            audit_append(actor=SYSTEM, action="mail.unsuppressed")
    return bool(deleted)
