"""Which tables hold rows about one person, and the things in them: one statement, planned once
per process from the registry (registry.py), her id a parameter. Export, erasure and the client
card read only the tables it names."""

from __future__ import annotations

from functools import cache

from django.db import connection

from consonance.privacy.registry import registry

# A person id no row has, replaced by the real one in the plan's params.
PERSON_SENTINEL = -739_146_251


def for_person(params, person_id: int) -> list:
    """A plan's parameters with the sentinel replaced by her id (census, clocks, residue)."""
    return [person_id if p == PERSON_SENTINEL else p for p in params]


@cache
def _census_plan(
    vendor: str, things: bool = False
) -> tuple[str, tuple, tuple[tuple[int, int], ...]]:
    """The registry walk planned once per process: for every declaration, the count of its rows
    about one person (its indexed subject path), as one UNION ALL statement; with `things`, also
    the count of each of its `things` that counts only some rows (`where`), one branch each.
    `order` says per branch (declaration's index, thing's index or -1 for all her rows)."""
    del vendor  # the cache key: the SQL is the database's own
    parts: list[str] = []
    params: list = []
    order: list[tuple[int, int]] = []
    for index, declaration in enumerate(registry()):
        branches: list[tuple[int, dict]] = [(-1, {})]
        if things:
            branches += [
                (t, thing.where) for t, thing in enumerate(declaration.things) if thing.where
            ]
        for t, where in branches:
            rows = declaration.rows_for(PERSON_SENTINEL).filter(**where).order_by().values("pk")
            sql, found = rows.query.sql_with_params()
            branch = len(order)
            parts.append(f"SELECT {branch} AS i, COUNT(*) AS n FROM ({sql}) AS c{branch}")  # noqa: S608
            params += list(found)
            order.append((index, t))
    return " UNION ALL ".join(parts), tuple(params), tuple(order)


def _census_rows(person_id: int, things: bool) -> list[tuple[int, int, int]]:
    sql, params, order = _census_plan(connection.vendor, things)
    with connection.cursor() as cursor:
        cursor.execute(sql, for_person(params, person_id))
        return [(*order[i], n) for i, n in cursor.fetchall()]


def census(person_id: int) -> dict[str, int]:
    """Her rows per registry model ({label: count}, models without any left out), in one query
    (planned once per process): export, erasure and the client card then read only those."""
    declarations = registry()
    return {declarations[d].model: n for d, _t, n in _census_rows(person_id, False) if n}


def census_things(person_id: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """`census`, and per model holding her rows the count of each of its `things` (as
    `thing_counts` gives them), in the same one statement: no count per model and thing."""
    declarations = registry()
    found = _census_rows(person_id, True)
    counts = {declarations[d].model: n for d, t, n in found if t < 0 and n}
    partial = {(d, t): n for d, t, n in found if t >= 0}
    things = {}
    for d, declaration in enumerate(declarations):
        n = counts.get(declaration.model)
        if n:
            things[declaration.model] = [
                partial.get((d, t), 0) if thing.where else n
                for t, thing in enumerate(declaration.things)
            ]
    return counts, things
