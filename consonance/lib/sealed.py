"""Sealed tokens: a small JSON payload encrypted and authenticated (AES-GCM under a key derived
from the master key for one purpose), URL-safe, with its issue time. Unlike a signed token, its
content cannot be read from the URL, so it may carry what must not appear in links (an address).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from consonance.lib import crypto, keyring


class SealExpired(Exception):
    """The token is genuine but older than allowed."""


def _key(purpose: str) -> bytes:
    return keyring.derived_keys(purpose)[0]


def seal(purpose: str, payload: list[Any], *, now: float | None = None) -> str:
    data = json.dumps([int(now or time.time()), *payload], separators=(",", ":")).encode()
    blob = crypto.encrypt(_key(purpose), data, purpose.encode())
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def unseal(purpose: str, token: str, *, max_age: int, now: float | None = None) -> list[Any] | None:
    """The payload; None for a token that is not ours (or tampered with); SealExpired when it
    is older than `max_age` seconds."""
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        # Under either master key during a rotation (lib/keyring.py).
        issued, *payload = json.loads(
            keyring.decrypt_any(keyring.derived_keys(purpose), blob, purpose.encode())
        )
    except (ValueError, TypeError, crypto.DecryptionError):
        return None
    if not isinstance(issued, int) or (now or time.time()) - issued > max_age:
        raise SealExpired
    return payload


def unseal_fresh(purpose: str, token: str, *, max_age: int) -> list[Any] | None:
    """The payload, or None when the token is not ours or too old (a job that waited too long
    for the worker does nothing: its link or code would have expired anyway)."""
    try:
        return unseal(purpose, token, max_age=max_age)
    except SealExpired:
        return None
