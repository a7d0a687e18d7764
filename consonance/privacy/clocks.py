"""When a person's retention clocks started, for every registered model, in one statement.

The client card shows when each kind of data held about her is deleted: for each category and
rule, the expiry of her longest-lived row (a clock not started yet, "until she deletes her
account", outlasts any date). Reading her rows of every table to compute that (one ORM query per
table, each row's clock read in Python) cost the card about a dozen queries. Here the registry
walk is planned once per process: for each model holding categories, how many rows she has there
and, per clock path, the latest clock start and how many rows have one, each a scalar sub-select
on the model's indexed subject path; one statement answers them all. Every rule's expiry is
monotonic in its clock's start, so the latest start gives the latest expiry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from consonance.privacy.census import PERSON_SENTINEL, for_person
from consonance.privacy.registry import (
    PersonalModel,
    as_datetime,
    path_value,
    registry,
)

_ALIAS = "clock_start"


@dataclass(frozen=True)
class ModelClocks:
    """Her rows of one model: how many, and per clock path the latest start (None: none started)
    and whether some row's clock has not started (its value or a link on the way is empty)."""

    rows: int
    latest: dict[str, dt.datetime | None]
    unstarted: dict[str, bool]


def _paths(declaration: PersonalModel) -> list[str]:
    return sorted({path for holding in declaration.holdings for path in holding.clocks.values()})


@cache
def _clocks_plan(
    vendor: str,
) -> tuple[str, tuple, tuple[tuple[PersonalModel, tuple[str, ...]], ...]]:
    """The statement (planned once per process): one row, for each model holding categories its
    count, then per clock path MAX(start) and COUNT(start), as scalar sub-selects (each column
    keeps its own type: a date clock beside a timestamp)."""
    del vendor  # the cache key: the SQL is the database's own
    columns: list[str] = []
    params: list = []
    order: list[tuple[PersonalModel, tuple[str, ...]]] = []
    for declaration in registry():
        if not declaration.holdings:
            continue
        rows = declaration.rows_for(PERSON_SENTINEL).order_by()
        sql, found = rows.values("pk").query.sql_with_params()
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{len(columns)})")  # noqa: S608
        params += list(found)
        paths = _paths(declaration)
        for path in paths:
            sql, found = rows.values(
                **{_ALIAS: path_value(declaration.model_class, path)}
            ).query.sql_with_params()
            for aggregate in ("MAX", "COUNT"):
                columns.append(
                    f"(SELECT {aggregate}({_ALIAS}) FROM ({sql}) AS c{len(columns)})"  # noqa: S608
                )
                params += list(found)
        order.append((declaration, tuple(paths)))
    return "SELECT " + ", ".join(columns), tuple(params), tuple(order)


def _moment(value: Any) -> dt.datetime | None:
    """A clock start as read by the statement (SQLite answers an aggregate with text)."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    return as_datetime(value)


def person_clocks(person_id: int) -> dict[str, ModelClocks]:
    """Her rows' clocks per registered model holding categories ({label: ModelClocks}, models
    without her rows left out), in one query planned once per process."""
    sql, params, order = _clocks_plan(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, for_person(params, person_id))
        values = iter(cursor.fetchone())
    found = {}
    for declaration, paths in order:
        rows = next(values)
        latest, unstarted = {}, {}
        for path in paths:
            latest[path] = _moment(next(values))
            unstarted[path] = next(values) < rows
        if rows:
            found[declaration.model] = ModelClocks(rows, latest, unstarted)
    return found
