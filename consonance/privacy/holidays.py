"""Holiday mode: the coach's holiday periods, the reply deadlines they extend, what visitors see.

P17: "In holiday periods replies may take longer, and the site says so." A holiday pauses the clock
of the deadlines a person answers by hand — a reply in an e-mail consultation within one week
(P16) and the handling of other messages within 48 hours (P17) — so a message that arrives two days
before a week's holiday is due a week later than usual. Deadlines set by law or kept by the machine
do not move: a request about one's rights (GDPR Art. 12(3)), a request to see the journal (P15),
and the worker's moving of consultation e-mail into the journal (P16, 48 hours).

This lives in the privacy core, beside the policy's deadlines it extends, so that every app above
(contact, journal, booking, web) reads it through these functions and none depends on another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.time import STOCKHOLM
from consonance.privacy.models import HolidayPeriod
from consonance.privacy.policy import get_policy

# The deadlines a holiday extends (ids of the policy's [[deadlines]]): the replies written by hand.
EXTENDED_BY_HOLIDAY = frozenset({"email-consultation-reply", "message-handling"})
# Visitors are told about a holiday from this many days before it starts.
NOTICE_DAYS = 14
# A holiday longer than this is a typing error, not a holiday.
LONGEST_DAYS = 92


class HolidayInvalid(ValueError):
    """The dates do not make a holiday period (the message says why, for the form)."""


@dataclass(frozen=True, slots=True)
class Window:
    """A holiday as moments: from the first day's midnight to the midnight after the last day."""

    first_day: dt.date
    last_day: dt.date
    starts: dt.datetime
    ends: dt.datetime

    @classmethod
    def of(cls, period: HolidayPeriod) -> Window:
        return cls(
            first_day=period.first_day,
            last_day=period.last_day,
            starts=_midnight(period.first_day),
            ends=_midnight(period.last_day + dt.timedelta(days=1)),
        )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM)


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------


def holidays_ahead(*, now: dt.datetime | None = None) -> list[Window]:
    """Holidays not yet over (current and future), earliest first."""
    today = timezone.localdate(now or timezone.now(), STOCKHOLM)
    return [Window.of(p) for p in HolidayPeriod.objects.filter(last_day__gte=today)]


def holiday_periods_ahead(*, now: dt.datetime | None = None):
    """The HolidayPeriod rows not yet over, for the staff page."""
    today = timezone.localdate(now or timezone.now(), STOCKHOLM)
    return HolidayPeriod.objects.filter(last_day__gte=today)


def holiday_on(day: dt.date) -> Window | None:
    """The holiday that `day` (a Stockholm date) falls in, if any (booking closes such days)."""
    period = HolidayPeriod.objects.filter(first_day__lte=day, last_day__gte=day).first()
    return Window.of(period) if period is not None else None


def holiday_notice(*, now: dt.datetime | None = None) -> Window | None:
    """The holiday visitors should be told about now: the current one, or one that starts
    within NOTICE_DAYS (a message written now may be answered after it)."""
    now = now or timezone.now()
    soon = now + dt.timedelta(days=NOTICE_DAYS)
    return next((w for w in holidays_ahead(now=now) if w.starts <= soon and now < w.ends), None)


def paused_due(start: dt.datetime, length: dt.timedelta, windows: list[Window]) -> dt.datetime:
    """`start + length`, with the clock stopped while a holiday lasts."""
    moment, remaining = start, length
    for window in sorted(windows, key=lambda w: w.starts):
        if window.ends <= moment:
            continue
        if window.starts >= moment + remaining:
            break
        remaining -= max(window.starts - moment, dt.timedelta(0))
        moment = window.ends
    return moment + remaining


def deadline_due(
    deadline_id: str, start: dt.datetime, *, windows: list[Window] | None = None
) -> dt.datetime:
    """When the policy's deadline `deadline_id` falls for something that started at `start`,
    extended by holidays where the deadline is one a holiday extends.

    Pass `windows` (from `holidays_ahead`, taken once) when computing many deadlines at a time.
    """
    if windows is None:
        windows = [
            Window.of(p)
            for p in HolidayPeriod.objects.filter(
                last_day__gte=timezone.localdate(start, STOCKHOLM)
            )
        ]
    return deadlines_due(deadline_id, [start], windows=windows)[0]


def deadlines_due(
    deadline_id: str, starts: list[dt.datetime], *, windows: list[Window]
) -> list[dt.datetime]:
    """`deadline_due` for many starts at once (the policy is read once)."""
    duration = get_policy().deadlines[deadline_id].duration
    extended = deadline_id in EXTENDED_BY_HOLIDAY
    dues = []
    for start in starts:
        plain = duration.after(start)
        dues.append(paused_due(start, plain - start, windows) if extended else plain)
    return dues


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------


def holiday_add(
    *, first_day: dt.date, last_day: dt.date, actor: str, user_id: int | None = None
) -> HolidayPeriod:
    """Record a holiday period (it may not overlap another one)."""
    if last_day < first_day:
        raise HolidayInvalid("last_before_first")
    if (last_day - first_day).days >= LONGEST_DAYS:
        raise HolidayInvalid("too_long")
    with transaction.atomic():
        if HolidayPeriod.objects.filter(first_day__lte=last_day, last_day__gte=first_day).exists():
            raise HolidayInvalid("overlaps")
        period = HolidayPeriod.objects.create(
            first_day=first_day, last_day=last_day, created_by_id=user_id
        )
        audit_append(actor=actor, action="holiday.added", detail={"holiday": period.pk})
    return period


def holiday_remove(*, period: HolidayPeriod, actor: str) -> None:
    with transaction.atomic():
        audit_append(actor=actor, action="holiday.removed", detail={"holiday": period.pk})
        period.delete()
