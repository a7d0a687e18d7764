"""Each person's data key: created on first use, wrapped by the master key, destroyed on erasure."""

from __future__ import annotations

from django.db import transaction

from consonance.audit.services import audit_append
from consonance.lib import crypto, keyring
from consonance.people.models import Person, PersonKey


class KeyDestroyed(Exception):
    """The person's key was destroyed by an erasure: their ciphertexts are gone for good."""


def _data_key(person: Person, *, create: bool) -> bytes:
    owner = f"person:{person.pk}"
    try:
        row = PersonKey.objects.get(person=person)
    except PersonKey.DoesNotExist:
        if not create:
            raise KeyDestroyed(owner) from None
        key = crypto.new_data_key()
        master = keyring.master_keys()[0]
        with transaction.atomic():
            PersonKey.objects.create(
                person=person,
                wrapped_key=crypto.wrap_key(master, key, owner),
                key_id=keyring.key_id(master),
            )
        return key
    return unwrap(row)


def unwrap(row: PersonKey) -> bytes:
    """The data key in `row`, under whichever master key in force wraps it (its key id)."""
    owner, wrapped = f"person:{row.person_id}", bytes(row.wrapped_key)
    masters = keyring.master_keys()
    # The recorded master key first; then the others (rows from before key ids were kept).
    masters.sort(key=lambda master: keyring.key_id(master) != row.key_id)
    return keyring.first_fit(masters, lambda master: crypto.unwrap_key(master, wrapped, owner))


def person_encrypt(person: Person, plaintext: str, *, context: str) -> bytes:
    """Encrypt text for `person`; `context` (e.g. "note") binds the ciphertext to its use."""
    key = _data_key(person, create=True)
    return crypto.encrypt(key, plaintext.encode(), f"{context}:{person.pk}".encode())


def person_decrypt(person: Person, blob: bytes, *, context: str) -> str:
    key = _data_key(person, create=False)
    return crypto.decrypt(key, bytes(blob), f"{context}:{person.pk}".encode()).decode()


def person_key_destroy(*, person: Person, actor: str) -> bool:
    """Crypto-shred: delete the wrapped key so nothing encrypted for the person can be read."""
    with transaction.atomic():
        deleted, _ = PersonKey.objects.filter(person=person).delete()
        audit_append(
            actor=actor,
            action="person.key_destroyed",
            subject_id=person.pk,
            detail={"keys": deleted},
        )
    return bool(deleted)


def person_decrypt_many(person: Person, blobs: list[bytes], *, context: str) -> list[str]:
    """Decrypt many of one person's ciphertexts with one unwrap of her key (a client card with
    hundreds of notes). Raises KeyDestroyed like `person_decrypt`."""
    key = _data_key(person, create=False)
    aad = f"{context}:{person.pk}".encode()
    return [crypto.decrypt(key, bytes(blob), aad).decode() for blob in blobs]
