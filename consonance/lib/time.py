"""The practice's local time zone: times are stored in UTC and shown in Stockholm time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(moment: datetime) -> datetime:
    """An aware datetime in the practice's zone."""
    return moment.astimezone(STOCKHOLM)


def local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()
