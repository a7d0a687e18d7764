"""Whether a retention rule has anything to do at all: one `SELECT pk … LIMIT 1` per model,
compiled once per process and run with the cut-off as its parameter.

Most runs find nothing expired. Building each rule's full candidate query (its exemptions as
NOT EXISTS sub-queries) through the ORM costs far more Python time than the database spends
answering it, so the engine first asks this cheap question, on the clock index, and plans the
rule only when a row is due. The probe is the candidates' own condition (the clock before the
cut-off and, for anonymise and keep_only, a field not yet neutral), without the exemptions: an
exempt row makes the rule run as before, so the answer is never "nothing" when there is work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from consonance.privacy.policy import RetentionRule
from consonance.privacy.registry import Holding, PersonalModel, PersonalStore, through_subject
from consonance.privacy.retention_query import (
    _local_midnight_cut,
    clock_before,
    clock_field,
    fields_to_clear,
    not_yet_neutral,
)

# Stand-in cut-offs the statements are compiled with; their place among the parameters is
# where each run's own cut-off goes. No real clock or neutral value is ever this.
_SENTINEL_AT = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_SENTINEL_DAY = dt.date(1901, 2, 3)


@dataclass(frozen=True)
class Probe:
    model: type[models.Model]
    clock: str
    field: models.Field  # the clock's field (its type for a computed clock)
    sql: str | None  # None: nothing can ever match (nothing left to blank)
    params: tuple
    slots: tuple[int, ...]  # the parameters that are the cut-off
    extra: Q

    def due(self, cutoff: dt.datetime) -> bool:
        if self.sql is None:
            return False
        if not self.slots:  # the cut-off was not found among the parameters: ask the ORM
            where = clock_before(self.model, self.clock, cutoff) & self.extra
            return self.model._default_manager.filter(where).exists()
        value = _clock_value(self.field, cutoff)
        params = list(self.params)
        for i in self.slots:
            params[i] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchone() is not None


def _clock_value(f: models.Field, cutoff: dt.datetime):
    """The cut-off as the database receives it in `clock_before`'s comparison."""
    if isinstance(f, models.DateTimeField):
        return f.get_db_prep_value(cutoff, connection)
    return f.get_db_prep_value(_local_midnight_cut(cutoff)[0], connection)


def _sentinel(f: models.Field, include_day: bool) -> dt.datetime:
    if isinstance(f, models.DateTimeField):
        return _SENTINEL_AT
    # A date clock: the stand-in falls on the same side of midnight as the real cut-off, so
    # that the statement compares with the same operator (`<` or `<=`).
    at = dt.time(12) if include_day else dt.time(0)
    return dt.datetime.combine(_SENTINEL_DAY, at, tzinfo=timezone.get_current_timezone())


def _compile(model: type[models.Model], clock: str, extra: Q, include_day: bool) -> Probe:
    f = clock_field(model, clock)
    sentinel = _sentinel(f, include_day)
    # Ordered by the clock when only the clock decides: the planner then walks the clock's
    # index from its oldest entry and stops at the first row. Unordered, PostgreSQL trusts its
    # statistics of before a large delete (a tenth of the rows expired, say) and scans the whole
    # table for the row that is no longer there.
    # A clock read through a subject's id is a sub-query: there is no index of it to walk.
    ordered = not extra and not through_subject(model, clock)
    qs = model._default_manager.filter(clock_before(model, clock, sentinel) & extra).order_by(
        *([clock] if ordered else [])
    )
    qs = qs.values_list("pk")[:1]
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return Probe(model, clock, f, None, (), (), extra)
    value = _clock_value(f, sentinel)
    slots = tuple(i for i, p in enumerate(params) if p == value)
    return Probe(model, clock, f, sql, tuple(params), slots, extra)


_probes: dict[tuple, Probe] = {}


def _extra(rule: RetentionRule, declaration: PersonalModel, holding: Holding) -> Q:
    """For anonymise and keep_only: some field is not yet neutral."""
    if rule.action == "delete":
        return Q()
    return not_yet_neutral(fields_to_clear(rule, declaration, holding))


def rule_is_due(
    rule: RetentionRule,
    pairs: list[tuple[PersonalModel, Holding]],
    stores: list[PersonalStore],
    cutoff: dt.datetime,
) -> bool:
    """Whether any model or store of the rule has a row past its clock (exempt or not)."""
    include_day = _local_midnight_cut(cutoff)[1]
    where = (connection.alias, connection.vendor, rule, include_day)
    for declaration, holding in pairs:
        model, clock = declaration.model_class, holding.clocks[rule.after]
        key: tuple = (*where, model._meta.label, clock, tuple(holding.fields))
        probe = _probes.get(key)
        if probe is None:
            extra = _extra(rule, declaration, holding)
            probe = _probes[key] = _compile(model, clock, extra, include_day)
        if probe.due(cutoff):
            return True
    for store in stores:
        model, clock = store.model_class, store.holdings[0].clocks[rule.after]
        key = (*where, model._meta.label, clock, "store")
        probe = _probes.get(key)
        if probe is None:
            probe = _probes[key] = _compile(model, clock, Q(), include_day)
        if probe.due(cutoff):
            return True
    return False
