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

_PIPELINE_FROM = 100  # objects; from here on PostgreSQL inserts them in a pipeline (below)
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


def insert_new(objs: Sequence[Model], *, batch_rows: int = 500) -> None:
    """Insert `objs` (new instances of one model), each gets its primary key: one statement per
    `batch_rows` objects (fewer when the database caps the parameters of a statement)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    head, row, fields = _statement(model, alias)
    limit = connection.features.max_query_params
    if limit:
        batch_rows = max(1, min(batch_rows, limit // len(fields)))
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
    width = len(fields)
    keys: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(objs) > _PIPELINE_FROM:
            # psycopg converts a statement's placeholders in Python, uncached for a long one: a
            # 500-row VALUES list costs more there than in the database. One row's statement,
            # converted once, is run for every object in a pipeline, each returning its key.
            # (A few rows, a payment's voucher, stay one statement: one round trip, no pipeline.)
            raw = cursor.cursor
            raw.executemany(
                head + row + returning,
                [params[start : start + width] for start in range(0, len(params), width)],
                returning=True,
            )
            while True:
                keys.extend(raw.fetchall())
                if not raw.nextset():
                    break
        else:
            for start in range(0, len(objs), batch_rows):
                count = min(batch_rows, len(objs) - start)
                cursor.execute(
                    head + ", ".join([row] * count) + returning,
                    params[start * width : (start + count) * width],
                )
                keys.extend(cursor.fetchall())
    for obj, (key,) in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, alias


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows into `model`'s table: values in `columns` order, ready for the driver
    (str, int, Decimal, date, None), no instances, keys not read back. COPY on PostgreSQL, one
    prepared statement run with executemany on SQLite: for a bank file's 100 000 payments, where
    building model instances and their SQL would cost several times the database work. Sends no
    signals and runs no `pre_save`: only for models with neither, whose values the caller checked.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
            return
        # SQLite: Django's adapters store Decimal and date as it does itself (text).
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608
