"""The retention engine: every retention rule of the policy, applied to exactly the expired rows.

For each rule (policy file) and each model holding its category (registry), the rows whose clock
field is before `rule.cutoff(now)` are the rule's *candidates*. Some are exempt:
- a legal hold (`LegalHold`) on the person, on the person and this category, or on the category;
- an agreement with the client (`RetentionAgreement`, only for rules with `agreements = true`);
- `unless`: the person still has data of a category the rule names (e.g. a member account);
- the cascade guard: a delete never takes data of *another* category with it before that data's
  own rules allow (deleting a Person cascades into her journal notes, messages, subscription…).

In the last two, a row counts as "still there" unless it carries an *end event* of its own that
has happened: a row-level, nullable clock such as `unsubscribed_at`, `deletion_requested_at`,
`replied_at` or `moved_to_journal_at`. A subscription that was cancelled no longer keeps the contact
details alive (P10 is a maximum; P12's "whichever comes first" lets the subscription go with
them), a member account keeps them until its deletion is asked for, and a journal note (whose clock
is the person's latest consultation) keeps them for as long as the note is kept.

Rules run in the policy's order, except that a rule runs before every rule it can shield, so that
one run reaches the same end state as any number of runs.

Work is set-based: per rule and model, one indexed range query on the clock column (with
correlated NOT EXISTS sub-queries for the exemptions, so the cost follows the expired rows and not
the table) yields the primary keys; they are acted on in batches of `BATCH_SIZE` with one
DELETE/UPDATE per batch. **Each rule runs in one transaction** together with its `RetentionRun`
row and its one audit event: a run interrupted half-way leaves every rule either done or not
started, and the next run finishes the job. A dry run does the same work inside a transaction
that is rolled back, so its counts are exact (cascades and the order of rules included) and it
changes nothing, not even the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache

from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Value, signals
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.privacy.models import LegalHold, RetentionAgreement, RetentionRun
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import (
    Holding,
    PersonalModel,
    declaration_for,
    field_at,
    models_holding,
)

BATCH_SIZE = 5000
ANONYMISED = "anonymised-"  # prefix of the placeholder for unique text fields
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _DryRun(Exception):
    """Raised to roll a dry run back."""


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------
@dataclass
class ModelReport:
    model: str
    clock: str
    matched: int = 0
    deleted: int = 0
    anonymised: int = 0
    minimised: int = 0
    skipped_by_hold: int = 0
    skipped_by_agreement: int = 0
    skipped_by_unless: int = 0
    cascaded: dict[str, int] = field(default_factory=dict)


@dataclass
class RuleReport:
    id: str
    promise: str
    category: str
    action: str
    cutoff: str
    matched: int = 0
    deleted: int = 0
    anonymised: int = 0
    minimised: int = 0
    skipped: int = 0
    skipped_by_hold: int = 0
    skipped_by_agreement: int = 0
    skipped_by_unless: int = 0
    duration_ms: float = 0.0
    models: list[ModelReport] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.deleted + self.anonymised + self.minimised


@dataclass
class RunReport:
    now: str
    dry_run: bool
    run_id: str
    rules: list[RuleReport] = field(default_factory=list)
    duration_ms: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def changed(self) -> int:
        return sum(rule.changed for rule in self.rules)


# --------------------------------------------------------------------------------------------
# A test hook: called after each batch and each rule. Tests replace it to simulate a crash.
# --------------------------------------------------------------------------------------------
def checkpoint(stage: str, rule_id: str) -> None:
    """Called after every batch ("batch") and every committed rule ("rule"); does nothing."""


# --------------------------------------------------------------------------------------------
# Model metadata helpers
# --------------------------------------------------------------------------------------------
def _field_at(model: type[models.Model], path: str) -> models.Field:
    found = field_at(model, path)
    assert found is not None, f"{model._meta.label}: no field at {path}"  # system check E007
    return found


def _local_midnight_cut(cutoff: dt.datetime) -> tuple[dt.date, bool]:
    """For a date clock: (the cutoff's Stockholm date, whether that day itself is included)."""
    local = timezone.localtime(cutoff)
    return local.date(), local.time() != dt.time(0)


def clock_before(model: type[models.Model], path: str, cutoff: dt.datetime) -> Q:
    """Rows whose clock (a DateTimeField or a DateField, maybe across relations) < cutoff.

    A date is read as midnight (Stockholm) at the start of that day."""
    f = _field_at(model, path)
    if isinstance(f, models.DateTimeField):
        return Q(**{f"{path}__lt": cutoff})
    day, include_day = _local_midnight_cut(cutoff)
    return Q(**{f"{path}__lte" if include_day else f"{path}__lt": day})


def _clock_not_before(model: type[models.Model], path: str, start: dt.datetime) -> Q:
    return ~clock_before(model, path, start) & Q(**{f"{path}__isnull": False})


def _neutral(f: models.Field):
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


def _not_neutral(f: models.Field) -> Q:
    value = _neutral(f)
    if value is None:
        return Q(**{f"{f.name}__isnull": False})
    if isinstance(value, Concat):
        return ~Q(**{f"{f.name}__startswith": ANONYMISED})
    return ~Q(**{f.name: value})


def _fields_to_clear(rule: RetentionRule, declaration: PersonalModel, holding: Holding):
    """The fields an anonymise/keep_only rule blanks. A required link to a non-personal row (e.g.
    a booking's service) cannot be blanked and says nothing once the rest is gone: it stays."""
    model = declaration.model_class
    if rule.action == "keep_only":
        names = [n for n in holding.fields if n not in rule.keep]
    else:
        names = list(holding.fields)
    fields = [model._meta.get_field(n) for n in names]
    return [f for f in fields if not (f.is_relation and not f.null)]


@cache
def _cascade_children(model: type[models.Model]) -> tuple[tuple[type[models.Model], str], ...]:
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

    def walk(current: type[models.Model], suffix: str, seen: frozenset) -> bool:
        if has_receivers(current) or current._meta.many_to_many or current._meta.private_fields:
            return False
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
            elif rel.on_delete is models.CASCADE:
                if child in seen or not walk(child, lookup, seen | {child}):
                    return False
                steps.append(("delete", child, lookup))
            else:
                return False
        return True

    return tuple(steps) if walk(model, "", frozenset({model})) else None


def _ids(pks: list):
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


def delete_rows(model: type[models.Model], pks: list) -> tuple[int, dict[str, int]]:
    """Delete these rows with what cascades: (rows of `model`, {label: cascaded rows})."""
    steps = _delete_steps(model)
    if steps is None:
        _total, per_model = model._base_manager.filter(pk__in=pks).delete()
        own = per_model.pop(model._meta.label, 0)
        return own, {k: v for k, v in per_model.items() if v}
    cascaded: dict[str, int] = defaultdict(int)
    ids = _ids(pks)
    for step in steps:
        rows = step[1]._base_manager.filter(**{f"{step[2]}__in": ids})
        if step[0] == "set_null":
            rows.update(**{step[3]: None})
        else:
            n = rows._raw_delete(rows.db)
            if n:
                cascaded[step[1]._meta.label] += n
    rows = model._base_manager.filter(pk__in=ids)
    return rows._raw_delete(rows.db), dict(cascaded)


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
    for child, path in _cascade_children(declaration.model_class):
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
class _Plan:
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


def _plan(
    rule: RetentionRule,
    policy: Policy,
    declaration: PersonalModel,
    holding: Holding,
    now: dt.datetime,
    clock_range: tuple[dt.datetime, dt.datetime] | None = None,
) -> _Plan:
    model = declaration.model_class
    clock = holding.clocks[rule.after]
    if clock_range is None:
        where = clock_before(model, clock, rule.cutoff(timezone.localtime(now)))
    else:
        where = _clock_not_before(model, clock, clock_range[0]) & clock_before(
            model, clock, clock_range[1]
        )
    if rule.action != "delete":
        todo = Q()
        for f in _fields_to_clear(rule, declaration, holding):
            todo |= _not_neutral(f)
        where &= todo if todo else Q(pk__in=[])
    return _Plan(
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


# --------------------------------------------------------------------------------------------
# Ordering
# --------------------------------------------------------------------------------------------
def _shielding_categories(rule: RetentionRule) -> set[str]:
    found = set(rule.unless)
    for declaration, _holding in models_holding(rule.category):
        found |= {c for _d, _p, c in cascade_categories(rule, declaration)}
    return found - {rule.category}


def ordered_rules(policy: Policy) -> list[RetentionRule]:
    """Policy order, except that a rule runs before the rules its category can shield."""
    pending = list(policy.retention)
    needs = {rule.id: _shielding_categories(rule) for rule in pending}
    ordered: list[RetentionRule] = []
    while pending:
        remaining = {r.category for r in pending}
        ready = next((r for r in pending if not (needs[r.id] & (remaining - {r.category}))), None)
        rule = ready or pending[0]  # a cycle: keep the policy's order
        ordered.append(rule)
        pending.remove(rule)
    return ordered


def _models_in_order(rule: RetentionRule) -> list[tuple[PersonalModel, Holding]]:
    """Dependent models first (events before their order), so counts say what went where."""
    pairs = models_holding(rule.category)
    labels = {d.model_class for d, _h in pairs}

    def depth(declaration: PersonalModel) -> int:
        parents = {
            c
            for c in labels
            for child, _p in _cascade_children(c)
            if child is declaration.model_class
        }
        return -len(parents)

    return sorted(pairs, key=lambda pair: depth(pair[0]))


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------
def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock(rule_id: str) -> None:
    if connection.vendor == "postgresql":
        # Two workers never apply the same rule at once; the second finds nothing left to do.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [0x72657465, zlib.crc32(rule_id.encode()) & 0x7FFFFFFF],
            )


def _apply_model(rule: RetentionRule, plan: _Plan, report: ModelReport, batch_size: int) -> None:
    model = plan.declaration.model_class
    report.matched = plan.candidates.count()
    if not report.matched:
        return
    pks = list(plan.eligible().order_by().values_list("pk", flat=True))
    skipped = report.matched - len(pks)
    if skipped:
        # Why rows were kept (a row may have more than one reason).
        report.skipped_by_hold = plan.candidates.filter(plan.hold).count()
        if plan.agreement is not None:
            report.skipped_by_agreement = plan.candidates.filter(plan.agreement).count()
        if plan.unless:
            any_shield = Q()
            for shield in plan.unless:
                any_shield |= Q(shield)
            report.skipped_by_unless = plan.candidates.filter(any_shield).count()
    pks.sort()
    updates = {}
    if rule.action != "delete":
        updates = {
            f.name: _neutral(f) for f in _fields_to_clear(rule, plan.declaration, plan.holding)
        }
    cascaded: dict[str, int] = defaultdict(int)
    for batch in _chunks(pks, batch_size):
        rows = model._default_manager.filter(pk__in=_ids(batch))
        if rule.action == "delete":
            own, others = delete_rows(model, batch)
            report.deleted += own
            for label, n in others.items():
                cascaded[label] += n
        elif rule.action == "anonymise":
            report.anonymised += rows.update(**updates)
        else:
            report.minimised += rows.update(**updates)
        checkpoint("batch", rule.id)
    report.cascaded = dict(cascaded)


def apply_rule(
    rule: RetentionRule,
    *,
    now: dt.datetime,
    policy: Policy,
    run_id: str,
    batch_size: int = BATCH_SIZE,
) -> RuleReport:
    """Apply one rule in one transaction, with its RetentionRun row and its audit event."""
    started = timezone.now()
    t0 = time.perf_counter()
    report = RuleReport(
        id=rule.id,
        promise=rule.promise,
        category=rule.category,
        action=rule.action,
        cutoff=rule.cutoff(timezone.localtime(now)).isoformat(),
    )
    with transaction.atomic():
        _lock(rule.id)
        frozen = category_on_hold(rule, now)
        for declaration, holding in _models_in_order(rule):
            plan = _plan(rule, policy, declaration, holding, now)
            model_report = ModelReport(model=declaration.model, clock=plan.clock)
            if frozen:
                model_report.matched = plan.candidates.count()
                model_report.skipped_by_hold = model_report.matched
            else:
                _apply_model(rule, plan, model_report, batch_size)
            report.models.append(model_report)
        for m in report.models:
            report.matched += m.matched
            report.deleted += m.deleted
            report.anonymised += m.anonymised
            report.minimised += m.minimised
            report.skipped_by_hold += m.skipped_by_hold
            report.skipped_by_agreement += m.skipped_by_agreement
            report.skipped_by_unless += m.skipped_by_unless
        report.skipped = report.matched - report.changed
        report.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
        RetentionRun.objects.create(
            run_id=run_id,
            rule_id=rule.id,
            promise=rule.promise,
            now=now,
            started_at=started,
            finished_at=timezone.now(),
            matched=report.matched,
            deleted=report.deleted,
            anonymised=report.anonymised,
            minimised=report.minimised,
            skipped=report.skipped,
            detail={"models": [asdict(m) for m in report.models]},
        )
        audit_append(
            actor=SYSTEM,
            action="retention.applied",
            category=rule.category,
            detail={
                "rule": rule.id,
                "promise": rule.promise,
                "run": run_id,
                "now": now.isoformat(),
                "matched": report.matched,
                "deleted": report.deleted,
                "anonymised": report.anonymised,
                "minimised": report.minimised,
                "skipped": report.skipped,
                "cascaded": _sum_cascaded(report.models),
            },
        )
    # With the commit: on PostgreSQL the deferred foreign-key checks run there.
    report.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
    return report


def _sum_cascaded(reports: Iterable[ModelReport]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for m in reports:
        for label, n in m.cascaded.items():
            total[label] += n
    return dict(sorted(total.items()))


def retention_run(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    policy: Policy | None = None,
    only: Iterable[str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> RunReport:
    """Apply every retention rule (or those in `only`) as of `now`; see the module docstring."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    policy = policy or get_policy()
    wanted = set(only) if only is not None else None
    report = RunReport(now=now.isoformat(), dry_run=dry_run, run_id=uuid.uuid4().hex)
    t0 = time.perf_counter()

    def run_all() -> None:
        for rule in ordered_rules(policy):
            if wanted is not None and rule.id not in wanted:
                continue
            report.rules.append(
                apply_rule(
                    rule, now=now, policy=policy, run_id=report.run_id, batch_size=batch_size
                )
            )
            checkpoint("rule", rule.id)

    if dry_run:
        try:
            with transaction.atomic():
                run_all()
                raise _DryRun
        except _DryRun:
            pass
    else:
        run_all()
    report.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
    return report


# --------------------------------------------------------------------------------------------
# The forecast: what the engine will do in the coming days
# --------------------------------------------------------------------------------------------
@dataclass
class ForecastRow:
    rule: RetentionRule
    by_day: dict[dt.date, int]

    @property
    def total(self) -> int:
        return sum(self.by_day.values())


def retention_forecast(
    *, now: dt.datetime | None = None, days: int = 30, policy: Policy | None = None
) -> list[ForecastRow]:
    """Per rule, how many rows expire on each of the next `days` days (Stockholm dates).

    One grouped query per rule and model over the clock index; exemptions as they stand now."""
    now = now or timezone.now()
    policy = policy or get_policy()
    local_now = timezone.localtime(now)
    today = local_now.date()
    horizon = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time()))
    rows = []
    tz = timezone.get_current_timezone()
    for rule in policy.retention:
        by_day: dict[dt.date, int] = defaultdict(int)
        for declaration, holding in models_holding(rule.category):
            model = declaration.model_class
            start = rule.cutoff(local_now)
            end = rule.cutoff(timezone.localtime(horizon))
            if end <= start:
                continue
            plan = _plan(rule, policy, declaration, holding, now, clock_range=(start, end))
            eligible = plan.eligible()
            f = _field_at(model, plan.clock)
            if isinstance(f, models.DateTimeField):
                grouped = (
                    eligible.annotate(day=TruncDate(plan.clock, tzinfo=tz))
                    .order_by()
                    .values("day")
                    .annotate(n=Count("pk"))
                )
            else:
                grouped = (
                    eligible.order_by().values(day=models.F(plan.clock)).annotate(n=Count("pk"))
                )
            for row in grouped:
                start_of_day = timezone.make_aware(dt.datetime.combine(row["day"], dt.time()))
                expiry = max(timezone.localtime(rule.expires(start_of_day)).date(), today)
                if expiry < today + dt.timedelta(days=days):
                    by_day[expiry] += row["n"]
        rows.append(ForecastRow(rule=rule, by_day=dict(sorted(by_day.items()))))
    return rows
