"""New rows inserted with a statement built once per model: what a payment's voucher, its rows
and its receipt cost (issue 23). `Model.save()` and `bulk_create()` build the INSERT anew on every
call, which on these wide models costs several times the statement itself.

Each instance is inserted as `bulk_create` would insert it: every concrete field but the
auto-increment key, through the field's `pre_save` (defaults, identifiers encrypted under their
key, lib/identifiers.py) and `get_db_prep_save`, its key read back with RETURNING (SQLite >= 3.35,
PostgreSQL). Like `bulk_create`, no model signals are sent and `save()` is not called.

`insert_new_with_rows` writes new instances and plain child rows of one of them (a voucher's
rows: no instance is made for them) together: on PostgreSQL in one statement (data-modifying
WITH), elsewhere one INSERT per model. `insert_rows` writes many plain rows without instances
(a bank file's payments: COPY on PostgreSQL, executemany on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import BaseExpression

_PIPELINE_FROM = 100  # objects; from here on PostgreSQL inserts them in a pipeline (insert_new)
_BUILT: dict[tuple[type[Model], str], tuple[str, str, list[Field[Any, Any]]]] = {}
_ROWS: dict[tuple[type[Model], str, tuple[str, ...]], tuple[str, str, list[Field[Any, Any]]]] = {}
_TOGETHER: dict[tuple[Any, ...], str] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, str, list[Field[Any, Any]]]:
    """(the INSERT up to VALUES, one row's placeholders, the fields in order)."""
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


def _rows_statement(
    model: type[Model], alias: str, columns: tuple[str, ...]
) -> tuple[str, str, list[Field[Any, Any]]]:
    """(the INSERT of `columns` (field names) up to VALUES, one row's placeholders, the fields)."""
    built = _ROWS.get((model, alias, columns))
    if built is None:
        meta, quote = model._meta, connections[alias].ops.quote_name
        fields = [cast(Field[Any, Any], meta.get_field(name)) for name in columns]
        names = ", ".join(quote(cast(str, f.column)) for f in fields)
        head = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "  # noqa: S608 -- names
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        built = _ROWS[(model, alias, columns)] = (head, row, fields)
    return built


def _params(
    obj: Model, fields: list[Field[Any, Any]], connection: BaseDatabaseWrapper
) -> list[Any] | None:
    """The values of `obj`'s new row; None when one is a database default (the ORM's way)."""
    params = []
    for field in fields:
        value = field.pre_save(obj, True)
        if isinstance(value, BaseExpression):
            return None
        params.append(field.get_db_prep_save(value, connection))
    return params


def _inserted(obj: Model, key: Any, alias: str) -> None:
    obj.pk = key
    obj._state.adding, obj._state.db = False, alias


def insert_new(objs: Sequence[Model], *, batch_rows: int = 500) -> None:
    """Insert `objs` (new instances of one model), each gets its primary key: one statement per
    `batch_rows` objects (fewer when the database caps the parameters of a statement)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    head, row, fields = _statement(model, alias)
    params: list[Any] = []
    for obj in objs:
        values = _params(obj, fields, connection)
        if values is None:  # a database default: the ORM's way
            model._default_manager.bulk_create(objs)
            return
        params.extend(values)
    if len(objs) <= _PIPELINE_FROM and connection.vendor == "postgresql":
        _insert(objs, alias, head + ", ".join([row] * len(objs)), params)
        return
    width = len(fields)
    if connection.vendor == "postgresql":
        # psycopg converts a statement's placeholders in Python, uncached for a long one: a
        # 500-row VALUES list costs more there than in the database. One row's statement,
        # converted once, is run for every object in a pipeline, each returning its key.
        # (A few rows, a payment's voucher, stay one statement: one round trip, no pipeline.)
        pk = model._meta.pk
        assert pk is not None
        returning = f" RETURNING {connection.ops.quote_name(cast(str, pk.column))}"
        keys: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
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
        for obj, (key,) in zip(objs, keys, strict=True):
            _inserted(obj, key, alias)
        return
    limit = connection.features.max_query_params
    if limit:
        batch_rows = max(1, min(batch_rows, limit // width))
    for start in range(0, len(objs), batch_rows):
        count = min(batch_rows, len(objs) - start)
        _insert(
            objs[start : start + count],
            alias,
            head + ", ".join([row] * count),
            params[start * width : (start + count) * width],
        )


def _insert(objs: Sequence[Model], alias: str, sql: str, params: list[Any]) -> None:
    """Run the INSERT `sql` of `objs` (one model's) with RETURNING their keys; give them."""
    connection = connections[alias]
    pk = type(objs[0])._meta.pk
    assert pk is not None
    returning = f" RETURNING {connection.ops.quote_name(cast(str, pk.column))}"
    with connection.cursor() as cursor:
        cursor.execute(sql + returning, params)
        keys = cursor.fetchall()
    for obj, (key,) in zip(objs, keys, strict=True):
        _inserted(obj, key, alias)


def insert_values(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert plain rows of `model`: each the values of `columns` (field names; a foreign key by
    its `_id` name), prepared by their fields; no instances, no keys read back."""
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    head, row, fields = _rows_statement(model, alias, tuple(columns))
    params = [
        field.get_db_prep_save(value, connection)
        for values in rows
        for field, value in zip(fields, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(rows)), params)


def insert_new_with_rows(
    objs: Sequence[Model],
    *,
    parent: Model,
    model: type[Model],
    link: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert `objs` (new instances, one of each model, `parent` among them, each given its key),
    then `rows` of `model` (the values of `columns`), each linked to `parent` by the foreign key
    `link` (its `_id` name). On PostgreSQL one statement; elsewhere an INSERT for each object
    and one for the rows."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    built = [_statement(type(obj), alias) for obj in objs]
    values = [
        _params(obj, fields, connection) for obj, (_h, _r, fields) in zip(objs, built, strict=True)
    ]
    if any(v is None for v in values):  # a database default: the ORM's way
        for obj in objs:
            insert_new([obj])
        insert_values(model, [link, *columns], [(parent.pk, *row) for row in rows])
        return
    if connection.vendor != "postgresql":
        for obj, (head, row, _fields), params in zip(objs, built, values, strict=True):
            _insert([obj], alias, head + row, cast(list[Any], params))
        insert_values(model, [link, *columns], [(parent.pk, *row) for row in rows])
        return
    statement = _together(objs, parent, model, link, tuple(columns), len(rows), alias)
    _h, _r, fields = _rows_statement(model, alias, tuple(columns))
    params = [p for v in values for p in cast(list[Any], v)]
    params += [
        field.get_db_prep_save(value, connection)
        for row in rows
        for field, value in zip(fields, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        keys = cursor.fetchone()
    for obj, key in zip(objs, keys, strict=True):
        _inserted(obj, key, alias)


def _together(
    objs: Sequence[Model],
    parent: Model,
    model: type[Model],
    link: str,
    columns: tuple[str, ...],
    count: int,
    alias: str,
) -> str:
    """PostgreSQL: each object's INSERT ... RETURNING its key in a WITH, the rows inserted from
    the parent's, the keys selected in the objects' order. Built once per shape."""
    shape = (tuple(type(obj) for obj in objs), objs.index(parent), model, link, columns, count)
    statement = _TOGETHER.get((*shape, alias))
    if statement is not None:
        return statement
    connection = connections[alias]
    quote = connection.ops.quote_name
    parts = []
    for i, obj in enumerate(objs):
        head, row, _fields = _statement(type(obj), alias)
        pk = type(obj)._meta.pk
        assert pk is not None
        parts.append(f"i{i} AS ({head}{row} RETURNING {quote(cast(str, pk.column))} AS key)")
    _h, _r, fields = _rows_statement(model, alias, columns)
    cast_row = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields) + ")"
    names = ", ".join(f"c{j}" for j in range(len(fields)))
    targets = ", ".join(
        quote(cast(str, f.column))
        for f in [cast(Field[Any, Any], model._meta.get_field(link)), *fields]
    )
    parts.append(
        f"r AS (INSERT INTO {quote(model._meta.db_table)} ({targets}) "  # noqa: S608 -- names
        f"SELECT p.key, {names} FROM i{objs.index(parent)} AS p, "
        f"(VALUES {', '.join([cast_row] * count)}) AS v ({names}) RETURNING 1)"
    )
    keys = ", ".join(f"(SELECT key FROM i{i})" for i in range(len(objs)))  # noqa: S608 -- names
    statement = _TOGETHER[(*shape, alias)] = f"WITH {', '.join(parts)} SELECT {keys}"
    return statement


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
