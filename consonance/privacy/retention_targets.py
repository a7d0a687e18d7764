"""The rows a retention rule acts on, kept in the database: one INSERT … SELECT puts a plan's
candidates into a temporary table with their exemption flags (legal hold,
agreement, `unless` and the cascade guard, each a NOT EXISTS the planner can use), so that they
are counted once and the eligible keys are deleted or updated in batches by sub-selects: no key
travels to Python, no candidate is counted twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import ExpressionWrapper, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from consonance.privacy.retention_query import Plan

TARGETS = "retention_targets"


def targets_table() -> None:
    """The temporary table (this connection only), made once per run: one row per candidate,
    with why it is kept, if it is. Emptied after each use (`targets_clear`); a rollback empties
    it too."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {TARGETS} (seq bigserial PRIMARY KEY, "
                "id bigint NOT NULL, held smallint NOT NULL, agreed smallint NOT NULL, "
                "shielded smallint NOT NULL)"
            )
        else:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {TARGETS} (seq INTEGER PRIMARY KEY, "
                "id INTEGER NOT NULL, held INTEGER NOT NULL, agreed INTEGER NOT NULL, "
                "shielded INTEGER NOT NULL)"
            )
        cursor.execute(f"DELETE FROM {TARGETS}")  # noqa: S608


def targets_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TARGETS}")  # noqa: S608


def _flag(condition) -> Cast:
    return Cast(
        ExpressionWrapper(condition, output_field=models.BooleanField()), models.IntegerField()
    )


@dataclass
class Targets:
    """A plan's candidates, counted once in the database, with the kept ones flagged by reason
    (a row may have more than one). The eligible ones are acted on in batches, as
    sub-selects: the keys never travel to Python."""

    matched: int = 0
    held: int = 0
    agreed: int = 0
    shielded: int = 0
    eligible: int = 0
    first: int = 0  # the first row's seq, less one (the sequence is not reset between uses)

    def batches(self, size: int) -> Iterator[RawSQL]:
        for low in range(self.first, self.first + self.matched, size):
            yield RawSQL(  # noqa: S611 (no outside text: a constant table name, two integers)
                f"SELECT id FROM {TARGETS} WHERE seq > %s AND seq <= %s "  # noqa: S608
                "AND held = 0 AND agreed = 0 AND shielded = 0",
                (low, low + size),
            )


def targets_fill(plan: Plan) -> Targets:
    """One INSERT … SELECT of the candidates with their exemption flags into the (empty) table;
    one aggregate over it when there are any (none on an idle run)."""
    model = plan.declaration.model_class
    if not isinstance(model._meta.pk, models.IntegerField):
        raise TypeError(f"{model._meta.label}: the retention engine needs an integer key")
    no = Value(False, output_field=models.BooleanField())
    unless = Q()
    for shield in plan.unless:
        unless |= Q(shield)
    rows = (
        plan.candidates.annotate(
            _held=_flag(Q(plan.hold)),
            _agreed=_flag(Q(plan.agreement) if plan.agreement is not None else Q(no)),
            _shielded=_flag(unless if plan.unless else Q(no)),
        )
        .order_by()  # an ORDER BY would make SQLite scan the table instead of the clock index
        .values_list("pk", "_held", "_agreed", "_shielded")
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TARGETS} (id, held, agreed, shielded) {sql}",
            params,
        )
        matched = cursor.rowcount
        if not matched:
            return Targets()
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TARGETS}")  # temporary tables get no autovacuum
        cursor.execute(
            f"SELECT COUNT(*), SUM(held), SUM(agreed), SUM(shielded), "  # noqa: S608
            f"SUM(CASE WHEN held = 0 AND agreed = 0 AND shielded = 0 THEN 1 ELSE 0 END), "
            f"MIN(seq) - 1 FROM {TARGETS}"
        )
        found = [int(v or 0) for v in cursor.fetchone()]
    return Targets(*found)
