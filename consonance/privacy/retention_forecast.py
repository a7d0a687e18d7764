"""The retention forecast: what the engine will do in the coming days (staff dashboard)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import models_holding, path_value
from consonance.privacy.retention_query import clock_field, plan_rule


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
            plan = plan_rule(rule, policy, declaration, holding, now, clock_range=(start, end))
            eligible = plan.eligible()
            f, clock = clock_field(model, plan.clock), path_value(model, plan.clock)
            if isinstance(f, models.DateTimeField):
                grouped = (
                    eligible.annotate(day=TruncDate(clock, tzinfo=tz))
                    .order_by()
                    .values("day")
                    .annotate(n=Count("pk"))
                )
            else:
                grouped = eligible.order_by().values(day=clock).annotate(n=Count("pk"))
            for row in grouped:
                start_of_day = timezone.make_aware(dt.datetime.combine(row["day"], dt.time()))
                expiry = max(timezone.localtime(rule.expires(start_of_day)).date(), today)
                if expiry < today + dt.timedelta(days=days):
                    by_day[expiry] += row["n"]
        rows.append(ForecastRow(rule=rule, by_day=dict(sorted(by_day.items()))))
    return rows
