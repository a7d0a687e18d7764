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
started, and the next run finishes the job. Most runs find nothing expired: a rule first asks,
with one `LIMIT 1` per model compiled once per process (`retention_probe`), whether any row is
past its clock at all; when none is, it opens no transaction, and its run row and audit event are
written with those of the next rule that changes something, or at the end of the run, in order.
A dry run does the same work inside a transaction
that is rolled back, so its counts are exact (cascades and the order of rules included) and it
changes nothing, not even the audit log.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append_many
from consonance.privacy.models import RetentionRun
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import (
    PersonalStore,
    stores_holding,
)
from consonance.privacy.retention_order import models_in_order, ordered_rules
from consonance.privacy.retention_probe import rule_is_due
from consonance.privacy.retention_query import (
    Plan,
    category_on_hold,
    clock_before,
    delete_rows,
    fields_to_clear,
    neutral_value,
    plan_rule,
)
from consonance.privacy.retention_targets import targets_clear, targets_fill, targets_table

BATCH_SIZE = 5000


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


def _apply_model(rule: RetentionRule, plan: Plan, report: ModelReport, batch_size: int) -> None:
    """Candidates counted and flagged once, in the database (targets_fill); then one statement
    per table and batch over the eligible ones; the table is emptied for the next model (a
    rollback empties it as well)."""
    model = plan.declaration.model_class
    targets = targets_fill(plan)
    report.matched = targets.matched
    if not report.matched:
        return
    if targets.eligible < targets.matched:
        # Why rows were kept (a row may have more than one reason).
        report.skipped_by_hold = targets.held
        report.skipped_by_agreement = targets.agreed
        report.skipped_by_unless = targets.shielded
    updates = {}
    if rule.action != "delete":
        updates = {
            f.name: neutral_value(f) for f in fields_to_clear(rule, plan.declaration, plan.holding)
        }
    cascaded: dict[str, int] = defaultdict(int)
    for ids in targets.batches(batch_size) if targets.eligible else ():
        if rule.action == "delete":
            own, others = delete_rows(model, ids)
            report.deleted += own
            for label, n in others.items():
                cascaded[label] += n
        elif rule.action == "anonymise":
            report.anonymised += model._default_manager.filter(pk__in=ids).update(**updates)
        else:
            report.minimised += model._default_manager.filter(pk__in=ids).update(**updates)
        checkpoint("batch", rule.id)
    targets_clear()
    report.cascaded = dict(cascaded)


def _apply_store(
    rule: RetentionRule, store: PersonalStore, now: dt.datetime, frozen: bool, batch_size: int
) -> ModelReport:
    """A store's rows are tied to no person by a column, so no hold, agreement or `unless` can
    name them: the rows whose clock ran out go (a category-wide hold still freezes them)."""
    model = store.model_class
    clock = store.holdings[0].clocks[rule.after]
    report = ModelReport(model=store.model, clock=clock)
    expired = model._default_manager.filter(
        clock_before(model, clock, rule.cutoff(timezone.localtime(now)))
    )
    report.matched = expired.count()
    if frozen:
        report.skipped_by_hold = report.matched
        return report
    pks = sorted(expired.order_by().values_list("pk", flat=True))
    for batch in _chunks(pks, batch_size):
        report.deleted += delete_rows(model, batch)[0]
        checkpoint("batch", rule.id)
    return report


def _counts(report: RuleReport) -> dict[str, int]:
    return {
        "matched": report.matched,
        "deleted": report.deleted,
        "anonymised": report.anonymised,
        "minimised": report.minimised,
        "skipped": report.skipped,
    }


def _record(
    reports: list[tuple[RuleReport, dt.datetime, dt.datetime]], *, now: dt.datetime, run_id: str
) -> None:
    """Each rule's RetentionRun row and its one audit event, in order (one insert of each)."""
    if not reports:
        return
    RetentionRun.objects.bulk_create(
        RetentionRun(
            run_id=run_id,
            rule_id=report.id,
            promise=report.promise,
            now=now,
            started_at=started,
            finished_at=finished,
            detail={"models": [asdict(m) for m in report.models]},
            **_counts(report),
        )
        for report, started, finished in reports
    )
    audit_append_many(
        actor=SYSTEM,
        action="retention.applied",
        entries=[
            (
                None,
                report.category,
                {
                    "rule": report.id,
                    "promise": report.promise,
                    "run": run_id,
                    "now": now.isoformat(),
                    **_counts(report),
                    "cascaded": _sum_cascaded(report.models),
                },
            )
            for report, _started, _finished in reports
        ],
    )


def apply_rule(
    rule: RetentionRule,
    *,
    now: dt.datetime,
    policy: Policy,
    run_id: str,
    batch_size: int = BATCH_SIZE,
    pending: list[tuple[RuleReport, dt.datetime, dt.datetime]] | None = None,
) -> RuleReport:
    """Apply one rule in one transaction, with its RetentionRun row and its audit event.

    A rule with nothing past its clock (the probe, `retention_probe`) opens no transaction:
    its report says so, and when the run passes `pending` its records wait there, to be written
    in order with the next rule that changes something or at the end of the run, in one
    transaction; an interrupted run loses only records of rules that did nothing."""
    started = timezone.now()
    t0 = time.perf_counter()
    cutoff = rule.cutoff(timezone.localtime(now))
    report = RuleReport(
        id=rule.id,
        promise=rule.promise,
        category=rule.category,
        action=rule.action,
        cutoff=cutoff.isoformat(),
    )
    pairs = models_in_order(rule)
    stores = stores_holding(rule.category)
    if pending is not None and not rule_is_due(rule, pairs, stores, cutoff):
        for declaration, holding in pairs:
            report.models.append(ModelReport(declaration.model, holding.clocks[rule.after]))
        for store in stores:
            report.models.append(ModelReport(store.model, store.holdings[0].clocks[rule.after]))
        report.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
        pending.append((report, started, timezone.now()))
        return report
    with transaction.atomic():
        _lock(rule.id)
        frozen = category_on_hold(rule, now)
        for declaration, holding in pairs:
            plan = plan_rule(rule, policy, declaration, holding, now)
            model_report = ModelReport(model=declaration.model, clock=plan.clock)
            if frozen:
                model_report.matched = plan.candidates.count()
                model_report.skipped_by_hold = model_report.matched
            else:
                _apply_model(rule, plan, model_report, batch_size)
            report.models.append(model_report)
        for store in stores:
            report.models.append(_apply_store(rule, store, now, frozen, batch_size))
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
        # The records of the idle rules before this one, then its own.
        _record([*(pending or []), (report, started, timezone.now())], now=now, run_id=run_id)
        if pending:
            pending.clear()
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
        targets_table()
        pending: list[tuple[RuleReport, dt.datetime, dt.datetime]] = []
        for rule in ordered_rules(policy):
            if wanted is not None and rule.id not in wanted:
                continue
            report.rules.append(
                apply_rule(
                    rule,
                    now=now,
                    policy=policy,
                    run_id=report.run_id,
                    batch_size=batch_size,
                    pending=pending,
                )
            )
            checkpoint("rule", rule.id)
        if pending:
            with transaction.atomic():
                _record(pending, now=now, run_id=report.run_id)

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
