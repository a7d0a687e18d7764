"""Encrypting identifiers stored in clear before issue 19, in place (`migrate`, and
`consonance identifiers encrypt --dry-run` to count first).

Each app's migration renames its plain columns to `<name>_plain`, adds the ciphertext and index
columns, runs `encrypt_existing` (non-atomic: a batch at a time, each batch its own short
transaction, so an interrupted run is simply run again and goes on where it stopped), then drops
the plain columns. It works on the migration's historical models, so it holds its own copy of the
key rules of people/keys.py: the same wrapping, the same contexts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from consonance.lib import crypto, keyring
from consonance.lib.identifiers import UNLINKED, blind_index
from consonance.people.keys import unwrap_owned

BATCH = 500


@dataclass(frozen=True)
class Plain:
    """One identifier column to encrypt: `<name>_plain` into `name`, its index into `index`."""

    name: str
    context: str
    normalise: Callable[[str], str]
    index: str = ""


class _Keys:
    """Person and hold keys through the historical models, made where missing (as people.keys)."""

    def __init__(self, apps: Any) -> None:
        self.person_keys = apps.get_model("people", "PersonKey")
        self.hold_keys = apps.get_model("people", "HoldKey")
        self.master = keyring.master_keys()[0]
        self.cache: dict[Any, bytes] = {}

    def person(self, person_id: int | None) -> bytes:
        if person_id is None:
            return keyring.stable_key(UNLINKED)
        if person_id not in self.cache:
            row = self.person_keys.objects.filter(person_id=person_id).first()
            owner = f"person:{person_id}"
            if row is None:
                key = crypto.new_data_key()
                self.person_keys.objects.create(
                    person_id=person_id,
                    wrapped_key=crypto.wrap_key(self.master, key, owner),
                    key_id=keyring.key_id(self.master),
                )
            else:
                key = unwrap_owned(owner, bytes(row.wrapped_key), row.key_id)
            self.cache[person_id] = key
        return self.cache[person_id]

    def hold(self, name: str, ends_on: dt.date) -> bytes:
        if name not in self.cache:
            row, created = self.hold_keys.objects.get_or_create(
                name=name,
                defaults={"ends_on": ends_on, "wrapped_key": b"", "key_id": ""},
            )
            if created or not row.wrapped_key:
                key = crypto.new_data_key()
                row.wrapped_key = crypto.wrap_key(self.master, key, f"hold:{name}")
                row.key_id = keyring.key_id(self.master)
                row.save(update_fields=["wrapped_key", "key_id"])
            else:
                key = unwrap_owned(f"hold:{name}", bytes(row.wrapped_key), row.key_id)
            self.cache[name] = key
        return self.cache[name]


def encrypt_existing(
    apps: Any,
    label: str,
    fields: list[Plain],
    key_of: Callable[[_Keys, Any], bytes],
    *,
    dry_run: bool = False,
    batch: int = BATCH,
) -> int:
    """Encrypt `label`'s rows still in clear, a batch at a time; how many rows (would be) done."""
    model = apps.get_model(*label.split("."))
    pending = model.objects.filter(**{f"{fields[0].name}__isnull": True}).order_by("pk")
    if dry_run:
        return pending.count()
    keys, done = _Keys(apps), 0
    while rows := list(pending[:batch]):
        with transaction.atomic():
            for row in rows:
                key = key_of(keys, row)
                for f in fields:
                    plain = getattr(row, f"{f.name}_plain") or ""
                    setattr(row, f.name, crypto.encrypt(key, plain.encode(), f.context.encode()))
                    if f.index:
                        setattr(row, f.index, blind_index(plain, f.normalise))
            names = [f.name for f in fields] + [f.index for f in fields if f.index]
            model.objects.bulk_update(rows, names)
        done += len(rows)
    return done


def own_key(keys: _Keys, row: Any) -> bytes:
    return keys.person(row.pk)


def person_key(keys: _Keys, row: Any) -> bytes:
    return keys.person(row.person_id)


def columns_added(model: str, fields: list[Plain]) -> list[Any]:
    """Step 1 of an app's migration: `<name>` becomes `<name>_plain`; the ciphertext column and
    (if any) the index column are added, empty."""
    from django.db import migrations, models

    operations: list[Any] = []
    for f in fields:
        operations += [
            migrations.RenameField(model, f.name, f"{f.name}_plain"),
            migrations.AddField(model, f.name, models.BinaryField(null=True, blank=True)),
        ]
        if f.index:
            operations.append(
                migrations.AddField(model, f.index, models.CharField(max_length=64, null=True))
            )
    return operations


def plain_dropped(model: str, fields: list[Plain], *, blank: tuple[str, ...] = ()) -> list[Any]:
    """Step 3: the plain columns go; ciphertext and index columns become required."""
    from django.db import migrations, models

    operations: list[Any] = []
    for f in fields:
        operations += [
            migrations.RemoveField(model, f"{f.name}_plain"),
            migrations.AlterField(model, f.name, models.BinaryField(blank=f.name in blank)),
        ]
        if f.index:
            index = models.CharField(max_length=64, db_index=True, blank=f.name in blank)
            operations.append(migrations.AlterField(model, f.index, index))
    return operations


@dataclass(frozen=True)
class Step:
    """One table's encryption, for `consonance identifiers encrypt --dry-run`."""

    app: str
    columns: str  # the migration that adds the ciphertext columns
    encrypt: str  # the one that fills them
    table: str
    first: str  # the first encrypted field: NULL while its row is still in clear
    fields: int

    def pending(self, connection: Any, applied: Any) -> int:
        if (self.app, self.encrypt) in applied:
            return 0
        where = f' WHERE "{self.first}" IS NULL' if (self.app, self.columns) in applied else ""
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COUNT(*) FROM "{self.table}"{where}')  # noqa: S608
            return cursor.fetchone()[0]


_P, _B, _M = "payments", "bookkeeping", "mail"
STEPS = (
    Step(
        "people",
        "0008_identifiers_encrypted_columns",
        "0009_identifiers_encrypt",
        "people_person",
        "email",
        3,
    ),
    Step(
        _P,
        "0009_identifiers_encrypted_columns",
        "0010_identifiers_encrypt",
        "payments_order",
        "payer_name",
        2,
    ),
    Step(
        _P,
        "0009_identifiers_encrypted_columns",
        "0010_identifiers_encrypt",
        "payments_billingdetails",
        "first_name",
        5,
    ),
    Step(
        _B,
        "0007_identifiers_encrypted_columns",
        "0008_identifiers_encrypt",
        "bookkeeping_voucher",
        "payer_name",
        1,
    ),
    Step(
        _B,
        "0007_identifiers_encrypted_columns",
        "0008_identifiers_encrypt",
        "bookkeeping_document",
        "buyer_name",
        1,
    ),
    Step(
        _M,
        "0007_identifiers_encrypted_columns",
        "0008_identifiers_encrypt",
        "mail_outboxmessage",
        "recipient",
        4,
    ),
)
