"""Re-wrapping every person key (and legal-hold key) under the current master key (`consonance keys rotate`).

Run while the site keeps serving: with the new key in CONSONANCE_MASTER_KEY and the previous one
in CONSONANCE_MASTER_KEY_OLD, every process reads keys wrapped by either (lib/keyring.py) and
wraps new ones under the new key only, so the number of keys left under the old one only falls.
Keys are re-wrapped a batch at a time, each batch its own short transaction; an interrupted
rotation is simply run again and goes on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib import crypto, keyring
from consonance.people.keys import hold_unwrap, unwrap
from consonance.people.models import HoldKey, PersonKey

BATCH = 200


class KeyUnreadable(Exception):
    """A person key that no master key in force unwraps (CONSONANCE_MASTER_KEY_OLD missing?)."""


def keys_to_rotate() -> int:
    return PersonKey.objects.exclude(key_id=keyring.current_key_id()).count()


def _holds(current: bytes, new_id: str) -> int:
    """Re-wrap the legal-hold keys (a handful: one per fiscal year kept) in one transaction."""
    with transaction.atomic():
        rows = list(HoldKey.objects.select_for_update().exclude(key_id=new_id))
        for row in rows:
            data_key = hold_unwrap(row)
            row.wrapped_key = crypto.wrap_key(current, data_key, f"hold:{row.name}")
            row.key_id = new_id
            row.save(update_fields=["wrapped_key", "key_id"])
    return len(rows)


def _batch(current: bytes, new_id: str, size: int) -> int:
    """Re-wrap up to `size` keys not yet under `current`; how many were re-wrapped."""
    with transaction.atomic():
        rows = list(PersonKey.objects.exclude(key_id=new_id).order_by("pk")[:size])
        for row in rows:
            try:
                data_key = unwrap(row)
            except crypto.DecryptionError:
                raise KeyUnreadable(
                    f"person key #{row.pk} is wrapped by master key {row.key_id or '(unknown)'}, "
                    "which is neither CONSONANCE_MASTER_KEY nor CONSONANCE_MASTER_KEY_OLD"
                ) from None
            # Only if untouched meanwhile: an erasure that deleted the key must stay done.
            PersonKey.objects.filter(pk=row.pk, key_id=row.key_id).update(
                wrapped_key=crypto.wrap_key(current, data_key, f"person:{row.person_id}"),
                key_id=new_id,
            )
    return len(rows)


def keys_rotate(*, size: int = BATCH, progress: Callable[[int], None] = lambda done: None) -> int:
    """Re-wrap every person key under the current master key; how many were re-wrapped."""
    current = keyring.master_keys()[0]
    new_id = keyring.key_id(current)
    done = 0
    while count := _batch(current, new_id, size):
        done += count
        progress(done)
    holds = _holds(current, new_id)
    audit_append(
        actor=SYSTEM,
        action="keys.rotated",
        detail={"rewrapped": done, "holds": holds, "key_id": new_id},
    )
    return done
