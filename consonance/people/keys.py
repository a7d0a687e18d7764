"""Each person's data key: created on first use, wrapped by the master key, destroyed on erasure."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib import crypto, keyring
from consonance.lib.identifiers import UNLINKED, IdentifierField
from consonance.people.models import HoldKey, Person, PersonKey


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
    return _unwrap(row.person_id, bytes(row.wrapped_key), row.key_id)


def _unwrap(person_id: int, wrapped: bytes, key_id: str) -> bytes:
    return unwrap_owned(f"person:{person_id}", wrapped, key_id)


def unwrap_owned(owner: str, wrapped: bytes, key_id: str = "") -> bytes:
    """A wrapped key (a person's, a legal hold's), under whichever master key in force wraps it:
    the one `key_id` names first (keys wrapped before key ids were kept: any)."""
    masters = keyring.master_keys()
    if len(masters) > 1:
        masters.sort(key=lambda master: keyring.key_id(master) != key_id)
    return keyring.first_fit(masters, lambda master: crypto.unwrap_key(master, wrapped, owner))


def _person_keys(person_ids: Any) -> dict[int, bytes]:
    """The data keys of these persons (ids, or a query of them), read as values: one query."""
    stored = PersonKey.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "wrapped_key", "key_id"
    )
    unwrap_many = _unwrapper()
    return {pk: unwrap_many(pk, bytes(wrapped), key_id) for pk, wrapped, key_id in stored}


def _unwrapper() -> Any:
    """`_unwrap` for many persons' keys at once: the wrapping ciphers of the master keys in force
    are set up once, not once per key (a search unwraps every client's key). Nothing outlives
    the call: the unwrapped keys are the caller's, for this request."""
    ciphers = [
        (keyring.key_id(master), crypto.cipher(crypto.derive_key(master, "wrap")))
        for master in keyring.master_keys()
    ]

    def unwrap_one(person_id: int, wrapped: bytes, key_id: str) -> bytes:
        aad = f"key:person:{person_id}".encode()
        if len(ciphers) == 1:
            return crypto.decrypt_with(ciphers[0][1], wrapped, aad)
        order = sorted(ciphers, key=lambda found: found[0] != key_id)
        return keyring.first_fit(
            [under for _id, under in order], lambda under: crypto.decrypt_with(under, wrapped, aad)
        )

    return unwrap_one


def person_encrypt(person: Person, plaintext: str, *, context: str) -> bytes:
    """Encrypt text for `person`; `context` (e.g. "note") binds the ciphertext to its use."""
    key = _data_key(person, create=True)
    return crypto.encrypt(key, plaintext.encode(), f"{context}:{person.pk}".encode())


def person_decrypt(
    person: Person, blob: bytes, *, context: str, keys: dict[int, bytes] | None = None
) -> str:
    """`keys`: her key already read for this request (`person_keys`), so that many fields are
    decrypted with one read of it; without her in it, her key is destroyed."""
    if keys is None:
        key = _data_key(person, create=False)
    elif (key := keys.get(person.pk)) is None:  # type: ignore[assignment]
        raise KeyDestroyed(f"person:{person.pk}")
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


# Identifiers (lib/identifiers.py): which key a row's identifiers are encrypted under.


def identifier_key(instance: Any, owner: str, *, create: bool = True) -> bytes | None:
    """The key for `instance`'s identifiers (`owner` as declared on the field), remembered on the
    instance; None when it is destroyed (and `create` is false)."""
    cache = instance.__dict__.setdefault("_identifier_keys", {})
    which = (owner, getattr(instance, "person_id", None) if owner == "person" else instance.pk)
    if cache.get(which) is None:
        cache[which] = _identifier_key(instance, owner, create=create)
    return cache[which]


def _identifier_key(instance: Any, owner: str, *, create: bool) -> bytes | None:
    if owner == "hold":
        return hold_key(*instance.identifier_hold(), create=create)
    if owner == "self":
        if instance.pk is None:  # a new person: her key is stored with her (Person.save)
            return instance.__dict__.setdefault("_new_key", crypto.new_data_key())
        row = instance._state.fields_cache.get("key")  # read with her (select_related("key"))
        return unwrap(row) if row is not None else _key_by_id(instance.pk, create=create)
    if instance.person_id is None:
        # No person known for the row: a key of the installation's, which no erasure destroys
        # (an erasure receipt to an address whose person is gone; a test send to the coach).
        return keyring.stable_key(UNLINKED)
    person = instance._state.fields_cache.get("person")
    row = getattr(person, "_state", None) and person._state.fields_cache.get("key")
    return unwrap(row) if row is not None else _key_by_id(instance.person_id, create=create)


def _key_by_id(person_id: int, *, create: bool) -> bytes | None:
    row = PersonKey.objects.filter(person_id=person_id).first()
    if row is not None:
        return unwrap(row)
    if not create:
        return None
    return _data_key(Person(pk=person_id), create=True)


def person_keys(person_ids: Any) -> dict[int, bytes]:
    """The data keys of these persons, for one request (an export reads hers once for every
    row and field): the caller's, never kept beyond the call; destroyed keys are absent."""
    return _person_keys(person_ids)


def keys_for(rows: list[Any], known: dict[int, bytes] | None = None) -> None:
    """Read the keys of many rows' identifiers at once (a staff list, an SIE file): one query
    for their persons' keys, one for their legal holds', not one per row. `known`: persons'
    keys already read for this request (`person_keys`), not read again; ones read are added."""
    holds = [r for r in rows if hasattr(r, "identifier_hold")]
    if holds:
        _hold_keys_for(holds)
    rows = [r for r in rows if not hasattr(r, "identifier_hold")]
    if not rows:  # only legal holds' (a payment's voucher and receipt): no person key to read
        return
    wanted = {getattr(r, "person_id", None) or r.pk for r in rows}
    found = known if known is not None else {}
    if missing := wanted - found.keys():
        found.update(_person_keys(missing))
    for row in rows:
        person_id = getattr(row, "person_id", None)
        owner, pk = ("person", person_id) if person_id else ("self", row.pk)
        if pk in found:
            row.__dict__.setdefault("_identifier_keys", {})[(owner, pk)] = found[pk]


def person_identities(people: QuerySet[Person]) -> dict[int, tuple[str, str, str]]:
    """Every person's (address, first name, last name), decrypted in bulk (a search over all the
    practice's clients): ciphertexts and wrapped keys read as values in one query (her key
    joined), no model instances, each key unwrapped and set up once for her three fields. A
    person whose key is destroyed reads as empty."""
    fields = [Person._meta.get_field(n) for n in ("email", "first_name", "last_name")]
    aads = [f.aad() for f in fields if isinstance(f, IdentifierField)]
    assert len(aads) == len(fields)
    rows = people.values_list(
        "pk", *(f.name for f in fields), "key__wrapped_key", "key__key_id"
    ).order_by()
    unwrap_many = _unwrapper()
    found = {}
    for pk, email, first, last, wrapped, key_id in rows:
        texts = ["", "", ""]
        if wrapped is not None:
            under = crypto.cipher(unwrap_many(pk, bytes(wrapped), key_id))
            for i, blob in enumerate((email, first, last)):
                with contextlib.suppress(crypto.DecryptionError):
                    texts[i] = crypto.decrypt_with(under, bytes(blob), aads[i]).decode()
        found[pk] = (texts[0], texts[1], texts[2])
    return found


def _hold_keys_for(rows: list[Any]) -> None:
    """The legal-hold keys of `rows` (made where missing: new vouchers about to be written)."""
    holds = dict(row.identifier_hold() for row in rows)
    # In SQL: the ORM's query building costs a payment's voucher more than the read (issue 23).
    table, marks = HoldKey._meta.db_table, ", ".join(["%s"] * len(holds))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, wrapped_key, key_id FROM {table} WHERE name IN ({marks})",  # noqa: S608
            list(holds),
        )
        stored = cursor.fetchall()
    found = {
        name: unwrap_owned(f"hold:{name}", bytes(wrapped), key_id)
        for name, wrapped, key_id in stored
    }
    for name in holds.keys() - found.keys():
        if any(row.pk is None for row in rows):
            found[name] = hold_key(name, holds[name])  # type: ignore[assignment]
    for row in rows:
        key = found.get(row.identifier_hold()[0])
        if key is not None:
            row.__dict__.setdefault("_identifier_keys", {})[("hold", row.pk)] = key


def hold_key(name: str, ends_on: dt.date, *, create: bool = True) -> bytes | None:
    """The legal-hold key `name` (e.g. "bookkeeping:2026"): what the law keeps after a person is
    erased (her name on a voucher) is under it, and it is destroyed when the hold ends."""
    row = HoldKey.objects.filter(name=name).first()
    if row is None:
        if not create:
            return None
        key, master = crypto.new_data_key(), keyring.master_keys()[0]
        row, _ = HoldKey.objects.get_or_create(
            name=name,
            defaults={
                "wrapped_key": crypto.wrap_key(master, key, f"hold:{name}"),
                "key_id": keyring.key_id(master),
                "ends_on": ends_on,
            },
        )
    return hold_unwrap(row)


def hold_unwrap(row: HoldKey) -> bytes:
    return unwrap_owned(f"hold:{row.name}", bytes(row.wrapped_key), row.key_id)


def hold_keys_expire(*, today: dt.date) -> int:
    """Destroy the legal-hold keys whose hold has ended: what they kept is unreadable for good."""
    with transaction.atomic():
        names = list(HoldKey.objects.filter(ends_on__lt=today).values_list("name", flat=True))
        HoldKey.objects.filter(name__in=names).delete()
        for name in names:
            audit_append(actor=SYSTEM, action="hold_key.destroyed", detail={"hold": name})
    return len(names)
