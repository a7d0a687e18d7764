"""Swedish bank days: Monday to Friday, except the days the banks are closed.

Closed: New Year's Day, Epiphany, Good Friday, Easter Monday, 1 May, Ascension Day, the National
Day (6 June), Midsummer Eve, Christmas Eve, Christmas Day, Boxing Day and New Year's Eve.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from dateutil.easter import easter


@cache
def bank_holidays(year: int) -> frozenset[date]:
    sunday = easter(year)
    midsummer_eve = next(
        date(year, 6, day) for day in range(19, 26) if date(year, 6, day).weekday() == 4
    )
    return frozenset(
        {
            date(year, 1, 1),
            date(year, 1, 6),
            sunday - timedelta(days=2),
            sunday + timedelta(days=1),
            sunday + timedelta(days=39),
            date(year, 5, 1),
            date(year, 6, 6),
            midsummer_eve,
            date(year, 12, 24),
            date(year, 12, 25),
            date(year, 12, 26),
            date(year, 12, 31),
        }
    )


def is_bank_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_bank_days(day: date, count: int) -> date:
    """The bank day `count` bank days after `day` (0: `day` itself, or the next bank day)."""
    while not is_bank_day(day):
        day += timedelta(days=1)
    for _ in range(count):
        day += timedelta(days=1)
        while not is_bank_day(day):
            day += timedelta(days=1)
    return day
