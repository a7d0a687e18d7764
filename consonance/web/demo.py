"""Demo part of web: a holiday starting tomorrow, so that the site shows the notice and the
overview shows deadlines extended by it (idempotent: added only when no holiday is ahead)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.lib.time import STOCKHOLM
from consonance.privacy.holidays import holiday_add, holiday_periods_ahead


def load(out) -> None:
    if holiday_periods_ahead().exists():
        return
    tomorrow = timezone.localdate(timezone.now(), STOCKHOLM) + dt.timedelta(days=1)
    holiday_add(first_day=tomorrow, last_day=tomorrow + dt.timedelta(days=6), actor=SYSTEM)
    out.write("web: a holiday week from tomorrow added (holiday mode)")
