"""Reads for the retention dashboard."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from consonance.privacy.models import LegalHold, RetentionAgreement, RetentionRun
from consonance.privacy.subject import subjects_read


def runs_by_day(*, days: int = 30, now: dt.datetime | None = None) -> list[dict]:
    """What the engine did, per Stockholm day and rule, over the last `days` days (changes only)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    rows = (
        RetentionRun.objects.filter(started_at__gte=since)
        .annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "rule_id", "promise")
        .annotate(deleted=Sum("deleted"), anonymised=Sum("anonymised"), minimised=Sum("minimised"))
        .order_by("-day", "rule_id")
    )
    return [dict(r) for r in rows if r["deleted"] or r["anonymised"] or r["minimised"]]


def last_run() -> RetentionRun | None:
    return RetentionRun.objects.order_by("-started_at", "-pk").first()


def totals_by_rule(
    *, days: int = 30, now: dt.datetime | None = None, runs: list[dict] | None = None
) -> dict[str, dict]:
    """Per rule, what the engine did over the last `days` days; `runs`: runs_by_day's rows when
    the caller has them already (the dashboard shows both: one grouped read, not two)."""
    now = now or timezone.now()
    totals: dict[str, dict] = defaultdict(lambda: {"deleted": 0, "anonymised": 0, "minimised": 0})
    for row in runs if runs is not None else runs_by_day(days=days, now=now):
        for key in ("deleted", "anonymised", "minimised"):
            totals[row["rule_id"]][key] += row[key] or 0
    return dict(totals)


def agreements_current(*, now: dt.datetime | None = None):
    today = timezone.localdate(now or timezone.now())
    return subjects_read(
        RetentionAgreement.objects.filter(ended_at__isnull=True, until__gte=today).order_by(
            "until", "pk"
        )
    )


def agreements_past(*, limit: int = 20, now: dt.datetime | None = None):
    from django.db.models import Q

    today = timezone.localdate(now or timezone.now())
    return subjects_read(
        RetentionAgreement.objects.filter(Q(ended_at__isnull=False) | Q(until__lt=today)).order_by(
            "-created_at"
        )[:limit]
    )


def holds_current(*, now: dt.datetime | None = None):
    from django.db.models import Q

    today = timezone.localdate(now or timezone.now())
    return subjects_read(
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .order_by("pk")
    )
