"""How operations answers the rights app: an erasure's ledger goes off the machine after its
commit, and her receipt learns when the last backup and key backup that may hold her are gone."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from consonance.operations.backup_files import last_expiry
from consonance.operations.backup_keys import key_kept, last_key_expiry
from consonance.operations.backup_offsite import copies_everywhere, ledger_push
from consonance.privacy.policy import get_policy
from consonance.rights import hooks as rights_hooks
from consonance.rights.hooks import BackupsUntil
from consonance.rights.models import ErasureReceipt


def erasure_ledger_push(receipt: ErasureReceipt) -> None:
    transaction.on_commit(ledger_push, robust=True)  # the ledger's copy off the machine


def backups_until(issued_at: datetime) -> BackupsUntil:
    """From every copy there is (the backup folder, `backup --out` copies, the bucket): when the
    last data backup taken before `issued_at` is deleted (None: no copy holds her), and likewise
    the last key backup that may hold her destroyed key (backup_keys.py)."""
    copies, unlisted = copies_everywhere()
    backups = last_expiry(copies, issued_at)
    if unlisted:  # the bucket could not be listed: any copy before the erasure is gone by then
        backups = get_policy().backup_retention.after(issued_at)
    key_copies, keys_unlisted = copies_everywhere(keys=True)
    keys = last_key_expiry(key_copies, issued_at)
    if keys_unlisted:
        keys = issued_at + key_kept()
    return BackupsUntil(backups=backups, keys=keys)


def register() -> None:
    rights_hooks.erasure_recorded.register(erasure_ledger_push)
    rights_hooks.backups_until.register(backups_until)
