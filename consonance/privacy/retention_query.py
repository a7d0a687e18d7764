"""Which rows a retention rule takes: the clock conditions, the exemptions (legal holds,
agreements, `unless`, the cascade guard) as NOT EXISTS sub-queries, and set-based deletion.
The engine that runs the rules is `retention.py`; its docstring explains the rules' semantics."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.db import connection, models
from django.db.models import Exists, Expression, OuterRef, Q, Value, signals
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from consonance.lib.identifiers import IdentifierField
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.policy import Policy, RetentionRule
from consonance.privacy.registry import (
    Holding,
    PersonalModel,
    declaration_for,
    field_at,
    lookup_q,
    models_holding,
    subject_dependants,
)

ANONYMISED = "anonymised-"  # prefix of the placeholder for unique text fields
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# Model metadata helpers
# --------------------------------------------------------------------------------------------
def clock_field(model: type[models.Model], path: str) -> models.Field:
    found = field_at(model, path)
    assert found is not None, f"{model._meta.label}: no field at {path}"  # system check E007
    # A clock computed by the database (people.Person.journal_clock_at): its type is its output.
    if isinstance(found, models.GeneratedField):
        assert found.output_field is not None  # a GeneratedField always names its type
        return found.output_field
    return found


def _local_midnight_cut(cutoff: dt.datetime) -> tuple[dt.date, bool]:
    """For a date clock: (the cutoff's Stockholm date, whether that day itself is included)."""
    local = timezone.localtime(cutoff)
    return local.date(), local.time() != dt.time(0)


def clock_before(model: type[models.Model], path: str, cutoff: dt.datetime) -> Q:
    """Rows whose clock (a DateTimeField or a DateField, maybe across relations) < cutoff.

    A date is read as midnight (Stockholm) at the start of that day."""
    f = clock_field(model, path)
    if isinstance(f, models.DateTimeField):
        return lookup_q(model, f"{path}__lt", cutoff)
    day, include_day = _local_midnight_cut(cutoff)
    return lookup_q(model, f"{path}__lte" if include_day else f"{path}__lt", day)


def _clock_not_before(model: type[models.Model], path: str, start: dt.datetime) -> Q:
    return ~clock_before(model, path, start) & lookup_q(model, f"{path}__isnull", False)


def neutral_value(f: models.Field):
    """The neutral value that replaces a personal field: NULL, empty, or a fixed placeholder."""
    if f.null:
        return None
    if isinstance(f, models.CharField | models.TextField):
        if f.unique:
            return Concat(Value(ANONYMISED), Cast("pk", models.CharField()))
        return ""
    if isinstance(f, models.BinaryField):
        return b""
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
        return 0
    if isinstance(f, models.DateTimeField):
        return EPOCH
    if isinstance(f, models.DateField):
        return EPOCH.date()
    raise TypeError(f"no neutral value for {f.model._meta.label}.{f.name} ({type(f).__name__})")


class _EmptyText(Expression):
    """The empty string written into the statement, not passed as a parameter: a planner can
    then match the condition to a partial index's (e.g. payments' `billing_unminimised_idx`);
    SQLite never matches one against a bound parameter."""

    output_field = models.CharField()

    def as_sql(self, compiler, connection):
        return "''", []


def _not_neutral(f: models.Field) -> tuple[str, Q]:
    """(the column compared, the condition that it still holds something)."""
    if isinstance(f, IdentifierField) and f.index:
        return f.index, ~Q(**{f.index: _EmptyText()})  # blanked with it (fields_to_clear)
    value = neutral_value(f)
    if value is None:
        return f.name, Q(**{f"{f.name}__isnull": False})
    if isinstance(value, Concat):
        return f.name, ~Q(**{f"{f.name}__startswith": ANONYMISED})
    if value == "":
        return f.name, ~Q(**{f.name: _EmptyText()})
    return f.name, ~Q(**{f.name: value})


def not_yet_neutral(fields: list[models.Field]) -> Q:
    """Some of these fields still holds something (what an anonymise or keep_only rule blanks):
    one term per column, in the fields' order, so that the condition is written exactly as a
    partial index declares it (an identifier and its blind index are one column here)."""
    terms: dict[str, Q] = {}
    for f in fields:
        column, term = _not_neutral(f)
        terms.setdefault(column, term)
    todo = Q()
    for term in terms.values():
        todo |= term
    return todo if terms else Q(pk__in=[])


def fields_to_clear(rule: RetentionRule, declaration: PersonalModel, holding: Holding):
    """The fields an anonymise/keep_only rule blanks. A required link to a non-personal row (e.g.
    a booking's service) cannot be blanked and says nothing once the rest is gone: it stays."""
    model = declaration.model_class
    if rule.action == "keep_only":
        names = [n for n in holding.fields if n not in rule.keep]
    else:
        names = list(holding.fields)
    fields = [model._meta.get_field(n) for n in names]
    # An encrypted identifier's blind index goes with it (lib/identifiers.py).
    fields += [
        model._meta.get_field(f.index) for f in fields if isinstance(f, IdentifierField) and f.index
    ]
    return [f for f in fields if not (f.is_relation and not f.null)]


@cache
def cascade_children(model: type[models.Model]) -> tuple[tuple[type[models.Model], str], ...]:
    """Models a delete of `model` cascades into, with the lookup from each to `model`'s pk."""
    found: list[tuple[type[models.Model], str]] = []

    def walk(current: type[models.Model], suffix: str, seen: frozenset) -> None:
        for rel in current._meta.related_objects:
            if rel.on_delete is not models.CASCADE or rel.related_model in seen:
                continue
            child = rel.related_model
            path = f"{rel.field.name}__{suffix}" if suffix else rel.field.name
            found.append((child, path))
            walk(child, path, seen | {child})

    # Rows naming her by id only (privacy's agreements and holds) go with her as a cascade would.
    found += subject_dependants(model)
    walk(model, "", frozenset({model}))
    return tuple(found)


@cache
def _delete_steps(model: type[models.Model]) -> tuple | None:
    """Set-based statements that delete rows of `model` as Django's collector would.

    Deepest dependents first: ("delete", model, lookup) and ("set_null", model, lookup, field).
    None when the collector is needed: signal receivers, PROTECT/RESTRICT/SET_DEFAULT/SET(),
    many-to-many or generic relations; then QuerySet.delete() runs instead.
    """
    steps: list[tuple] = []

    def has_receivers(m: type[models.Model]) -> bool:
        return any(
            s.has_listeners(m)
            for s in (signals.pre_delete, signals.post_delete, signals.m2m_changed)
        )

    def walk(
        current: type[models.Model], suffix: str, seen: frozenset, hops: frozenset = frozenset()
    ) -> bool:
        if has_receivers(current) or current._meta.many_to_many or current._meta.private_fields:
            return False
        # Rows naming her by id only (registry.subject_dependants) go first, as the cascade of
        # a foreign key took them. The subject is never a cascade's child (no lookup leads on).
        for child, name in subject_dependants(current):
            if suffix or not walk(child, name, seen | {child}, hops):
                return False
            steps.append(("delete", child, name))
        for rel in current._meta.related_objects:
            if rel.many_to_many:
                return False
            child = rel.related_model
            lookup = f"{rel.field.name}__{suffix}" if suffix else rel.field.name
            if rel.on_delete is models.DO_NOTHING:
                continue
            if rel.on_delete is models.SET_NULL:
                if has_receivers(child):
                    return False
                steps.append(("set_null", child, lookup, rel.field.name))
            elif rel.on_delete is models.CASCADE and child is current:
                # A self-reference (a note's correction points to its root): the rows pointing
                # at the rows being deleted are one more set-based delete of the same table,
                # their own dependents first. One hop: a root is never itself a correction (a
                # deeper chain would fail the deferred foreign-key check at commit, not pass).
                if rel.field in hops:
                    continue
                if not walk(child, lookup, seen, hops | {rel.field}):
                    return False
                steps.append(("delete", child, lookup))
            elif rel.on_delete is models.CASCADE:
                if child in seen or not walk(child, lookup, seen | {child}, hops):
                    return False
                steps.append(("delete", child, lookup))
            else:
                return False
        return True

    return tuple(steps) if walk(model, "", frozenset({model})) else None


def pk_values(pks: list):
    """The batch's primary keys as ONE parameter (an array on PostgreSQL, JSON on SQLite).

    Passing thousands of values through the ORM's IN-list costs more Python time than the
    statement itself; a sub-select over one parameter keeps the statement set-based and cheap.
    """
    if pks and all(type(pk) is int for pk in pks):
        if connection.vendor == "postgresql":
            return RawSQL("SELECT unnest(%s::bigint[])", (pks,))
        if connection.vendor == "sqlite":
            return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(pks),))
    return pks


def delete_rows(model: type[models.Model], pks) -> tuple[int, dict[str, int]]:
    """Delete these rows (a list of keys, or a sub-select of them such as `Targets.batches`)
    with what cascades: (rows of `model`, {label: cascaded rows})."""
    steps = _delete_steps(model)
    if steps is None:
        _total, per_model = model._base_manager.filter(pk__in=pks).delete()
        own = per_model.pop(model._meta.label, 0)
        return own, {k: v for k, v in per_model.items() if v}
    cascaded: dict[str, int] = defaultdict(int)
    ids = pk_values(pks) if isinstance(pks, list) else pks
    for step in steps:
        rows = step[1]._base_manager.filter(**{f"{step[2]}__in": ids})
        if step[0] == "set_null":
            rows.update(**{step[3]: None})
        else:
            n = rows._raw_delete(rows.db)
            if n:
                cascaded[step[1]._meta.label] += n
    rows = model._base_manager.filter(pk__in=ids)
    # Rows of the same table taken along through a self-reference count as its own, as the
    # collector counts them.
    own = rows._raw_delete(rows.db) + cascaded.pop(model._meta.label, 0)
    return own, dict(cascaded)


# --------------------------------------------------------------------------------------------
# Exemptions
# --------------------------------------------------------------------------------------------
def _end_clock_filter(
    category: str, policy: Policy, declaration: PersonalModel, now: dt.datetime
) -> Q:
    """Rows of `category` in `declaration` that are still "live": no row-level end event yet."""
    holding = declaration.holding(category)
    q = Q()
    if holding is None:
        return q
    model = declaration.model_class
    for rule in policy.rules_for(category):
        path = holding.clocks.get(rule.after)
        if not path or "__" in path:
            continue
        f = model._meta.get_field(path)
        if f.null:
            q &= Q(**{f"{path}__isnull": True}) | ~clock_before(model, path, now)
    return q


def _outer_person(declaration: PersonalModel) -> OuterRef:
    return OuterRef(declaration.subject_lookup("id") if declaration.subject else "pk")


def _shields_unless(
    rule: RetentionRule, policy: Policy, declaration: PersonalModel, now: dt.datetime
) -> list[Exists]:
    """`unless`: the person still has live data of one of these categories."""
    shields = []
    outer = _outer_person(declaration)
    for category in rule.unless:
        for other, _holding in models_holding(category):
            live = other.model_class._default_manager.filter(
                _end_clock_filter(category, policy, other, now),
                **{other.subject_lookup("id"): outer},
            )
            shields.append(Exists(live))
    return shields


def cascade_categories(rule: RetentionRule, declaration: PersonalModel) -> list[tuple]:
    """(child declaration, lookup to the deleted row, category) a delete would take along."""
    if rule.action != "delete":
        return []
    found = []
    for child, path in cascade_children(declaration.model_class):
        child_declaration = declaration_for(child)
        if child_declaration is None:
            continue  # not personal (e.g. the person's key): it may go with its parent
        for holding in child_declaration.holdings:
            if holding.category != rule.category:
                found.append((child_declaration, path, holding.category))
    return found


def _shields_cascade(
    rule: RetentionRule, policy: Policy, declaration: PersonalModel, now: dt.datetime
) -> list[Exists]:
    shields = []
    for child_declaration, path, category in cascade_categories(rule, declaration):
        live = child_declaration.model_class._default_manager.filter(
            _end_clock_filter(category, policy, child_declaration, now),
            **{path: OuterRef("pk")},
        )
        shields.append(Exists(live))
    return shields


def _active_on(now: dt.datetime) -> Q:
    return Q(until__isnull=True) | Q(until__gte=timezone.localdate(now))


def _shield_hold(rule: RetentionRule, declaration: PersonalModel, now: dt.datetime) -> Exists:
    return Exists(
        LegalHold.objects.filter(
            _active_on(now),
            Q(category="") | Q(category=rule.category),
            lifted_at__isnull=True,
            person=_outer_person(declaration),
        )
    )


def category_on_hold(rule: RetentionRule, now: dt.datetime) -> bool:
    return LegalHold.objects.filter(
        _active_on(now),
        Q(category="") | Q(category=rule.category),
        person__isnull=True,
        lifted_at__isnull=True,
    ).exists()


def _shield_agreement(rule: RetentionRule, declaration: PersonalModel, now: dt.datetime) -> Exists:
    return Exists(
        RetentionAgreement.objects.filter(
            person=_outer_person(declaration),
            rule_id=rule.id,
            ended_at__isnull=True,
            until__gte=timezone.localdate(now),
        )
    )


@dataclass
class Plan:
    declaration: PersonalModel
    holding: Holding
    clock: str
    candidates: models.QuerySet
    hold: Exists
    agreement: Exists | None
    unless: list[Exists]

    def eligible(self) -> models.QuerySet:
        qs = self.candidates.filter(~self.hold)
        if self.agreement is not None:
            qs = qs.filter(~self.agreement)
        for shield in self.unless:
            qs = qs.filter(~shield)
        return qs


def plan_rule(
    rule: RetentionRule,
    policy: Policy,
    declaration: PersonalModel,
    holding: Holding,
    now: dt.datetime,
    clock_range: tuple[dt.datetime, dt.datetime] | None = None,
) -> Plan:
    model = declaration.model_class
    clock = holding.clocks[rule.after]
    if clock_range is None:
        where = clock_before(model, clock, rule.cutoff(timezone.localtime(now)))
    else:
        where = _clock_not_before(model, clock, clock_range[0]) & clock_before(
            model, clock, clock_range[1]
        )
    if rule.action != "delete":
        where &= not_yet_neutral(fields_to_clear(rule, declaration, holding))
    return Plan(
        declaration=declaration,
        holding=holding,
        clock=clock,
        candidates=model._default_manager.filter(where),
        hold=_shield_hold(rule, declaration, now),
        agreement=_shield_agreement(rule, declaration, now) if rule.agreements else None,
        unless=[
            *_shields_unless(rule, policy, declaration, now),
            *_shields_cascade(rule, policy, declaration, now),
        ],
    )
