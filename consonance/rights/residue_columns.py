"""How the residue scan matches identifiers in columns: an encrypted identifier (lib/
identifiers.py) is matched through its blind index and read through its owner's key."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from consonance.lib.identifiers import IdentifierField, blind_index
from consonance.lib.text import normalise_email
from consonance.people.keys import keys_for


def email_fields(model: type[models.Model], names: Iterable[str]) -> list[str]:
    return [n for n in names if is_email(model._meta.get_field(n))]


def is_email(f: object) -> bool:
    return isinstance(f, models.EmailField) or getattr(f, "normalise", None) is normalise_email


def has_identifier_fields(model: type[models.Model]) -> bool:
    """Whether `model` has encrypted identifiers (lib/identifiers.py): only then are keys read."""
    return any(isinstance(f, IdentifierField) for f in model._meta.fields)


def decrypted(model: type[models.Model], rows: list[dict], names: Iterable[str]) -> list[dict]:
    """`rows` (from `values()`) with their encrypted identifiers read: ciphertext is decrypted
    through the model's rows, with one read of the keys for all of them."""
    encrypted = [n for n in names if isinstance(model._meta.get_field(n), IdentifierField)]
    if not encrypted or not rows:
        return rows
    objects = {o.pk: o for o in model._default_manager.filter(pk__in=[r["pk"] for r in rows])}
    keys_for(list(objects.values()))
    for row in rows:
        obj = objects.get(row["pk"])
        for name in encrypted:
            row[name] = getattr(obj, name) if obj is not None else ""
    return rows


def column_of(model: type[models.Model], name: str) -> str:
    """The column a value of field `name` is matched in: an encrypted identifier's blind index."""
    f = model._meta.get_field(name)
    if isinstance(f, IdentifierField) and f.index:
        f = model._meta.get_field(f.index)
    assert isinstance(f, models.Field) and f.column, f"{model._meta.label}.{name}"
    return f.column


def match_one(model: type[models.Model], name: str, value: str) -> str:
    """What `value` looks like in field `name`'s column: its blind index if it is encrypted."""
    f = model._meta.get_field(name)
    return blind_index(value, f.normalise) if isinstance(f, IdentifierField) else value


def matched(model: type[models.Model], name: str, values: Iterable[str]) -> set[str]:
    return {match_one(model, name, v) for v in values} - {""}
