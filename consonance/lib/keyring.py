"""The master keys in force, for `consonance keys rotate` (people/keys_rotation.py).

Normally there is one: CONSONANCE_MASTER_KEY. During a rotation the previous one is kept in
CONSONANCE_MASTER_KEY_OLD: everything new is encrypted under the current key, and what was
encrypted under either is still read (each wrapped person key records the id of the master key
that wraps it; other ciphertexts are tried under both). Keys derived from the master key fall in
two kinds:

- Keys that protect stored data follow the current master key: person keys (re-wrapped by the
  rotation), backups (old ones read with either key), Fortnox tokens (sealed anew at their next
  refresh), sealed links (valid under either key for their short life), the contact form's
  proof-of-work and rate keys (minutes long).
- Keys that give stored values their meaning must never change: the audit chain's HMAC (every
  event's hash), the keyed hash of addresses (the suppression list and the erasure ledger,
  which find erased people again), the identifiers' blind index and the key of identifiers on
  rows linked to no one (lib/identifiers.py). They are "stable": derived from the old key while it is set,
  and after the rotation pinned in CONSONANCE_PINNED_KEYS (the derived keys themselves, never
  the old master key), which the rotation prints.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consonance.lib import crypto

STABLE = ("audit-chain", "mail-suppression", "identifier-index", "identifier-unlinked")


@lru_cache(maxsize=8)
def key_id(master: bytes) -> str:
    """A short public name of a master key (a hash of a key derived from it for this only)."""
    return hashlib.sha256(crypto.derive_key(master, "key-id")).hexdigest()[:16]


def master_keys() -> list[bytes]:
    """The master keys in force: the current one first, then the old one during a rotation."""
    found = [crypto.parse_master_key(settings.CONSONANCE_MASTER_KEY)]
    if settings.CONSONANCE_MASTER_KEY_OLD:
        found.append(crypto.parse_master_key(settings.CONSONANCE_MASTER_KEY_OLD))
    return found


def current_key_id() -> str:
    return key_id(master_keys()[0])


def derived_keys(purpose: str) -> list[bytes]:
    """The keys for `purpose` under each master key in force, the current one first (to try in
    turn when decrypting)."""
    return [crypto.derive_key(master, purpose) for master in master_keys()]


def first_fit[K, T](keys: list[K], attempt: Callable[[K], T]) -> T:
    """`attempt(key)` with the first of `keys` that decrypts; the last one's DecryptionError
    when none does."""
    *others, last = keys
    for key in others:
        try:
            return attempt(key)
        except crypto.DecryptionError:
            continue
    return attempt(last)


def decrypt_any(keys: list[bytes], blob: bytes, context: bytes) -> bytes:
    """Decrypt under the first of `keys` (e.g. derived_keys(purpose)) that fits."""
    return first_fit(keys, lambda key: crypto.decrypt(key, blob, context))


@lru_cache(maxsize=8)
def _pinned(value: str) -> dict[str, bytes]:
    pinned = {}
    for item in filter(None, value.split(",")):
        purpose, _sep, encoded = item.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if purpose not in STABLE or len(key) != 32:
            raise ImproperlyConfigured(
                f"CONSONANCE_PINNED_KEYS: {item.strip()[:20]!r} is not <purpose>:<base64 of 32 "
                f"bytes> for one of {', '.join(STABLE)}"
            )
        pinned[purpose] = key
    return pinned


def stable_key(purpose: str) -> bytes:
    """The key for a stable purpose (STABLE): pinned, else from the old key, else the current."""
    return _stable(
        purpose,
        settings.CONSONANCE_PINNED_KEYS,
        settings.CONSONANCE_MASTER_KEY_OLD or settings.CONSONANCE_MASTER_KEY,
    )


@lru_cache(maxsize=16)
def _stable(purpose: str, pinned: str, master: str) -> bytes:
    return _pinned(pinned).get(purpose) or crypto.derive_key(
        crypto.parse_master_key(master), purpose
    )


def pinned_line() -> str:
    """The CONSONANCE_PINNED_KEYS value that keeps the stable keys as they are now."""
    return ",".join(
        f"{purpose}:{base64.b64encode(stable_key(purpose)).decode()}" for purpose in STABLE
    )
