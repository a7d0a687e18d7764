"""New rows inserted with a statement built once per model: what a payment's voucher, its rows
and its receipt cost (issue 23). `Model.save()` and `bulk_create()` build the INSERT anew on every
call, which on these wide models costs several times the statement itself.

Each instance is inserted as `bulk_create` would insert it: every concrete field but the
auto-increment key, through the field's `pre_save` (defaults, identifiers encrypted under their
key, lib/identifiers.py) and `get_db_prep_save`, its key read back with RETURNING (SQLite >= 3.35,
PostgreSQL). Like `bulk_create`, no model signals are sent and `save()` is not called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.expressions import BaseExpression

_BUILT: dict[tuple[type[Model], str], tuple[str, str, list[Field[Any, Any]]]] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, str, list[Field[Any, Any]]]:
    """(the INSERT up to VALUES, one row's placeholders and RETURNING, the fields in order)."""
    built = _BUILT.get((model, alias))
    if built is None:
        meta, quote = model._meta, connections[alias].ops.quote_name
        pk = meta.pk
        assert pk is not None
        fields = [f for f in meta.concrete_fields if f is not pk or not f.db_returning]
        columns = ", ".join(quote(cast(str, f.column)) for f in fields)
        head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 -- names
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        built = _BUILT[(model, alias)] = (head, row, fields)
    return built


def insert_new(objs: Sequence[Model]) -> None:
    """Insert `objs` (new instances of one model) in one statement; each gets its primary key."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    head, row, fields = _statement(model, alias)
    params: list[Any] = []
    for obj in objs:
        for field in fields:
            value = field.pre_save(obj, True)
            if isinstance(value, BaseExpression):  # a database default: the ORM's way
                model._default_manager.bulk_create(objs)
                return
            params.append(field.get_db_prep_save(value, connection))
    pk = model._meta.pk
    assert pk is not None
    returning = f" RETURNING {connection.ops.quote_name(cast(str, pk.column))}"
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objs)) + returning, params)
        keys = cursor.fetchall()
    for obj, (key,) in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, alias
