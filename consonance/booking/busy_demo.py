"""The coach's own calendar in the demo (booking/busy.py): a fictional calendar file the site
itself serves, recurring weekly so that it never goes stale, read at once from disk so that its
busy times block slots before the worker's first read of its address."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking import busy
from consonance.booking.models import BusyCalendar
from consonance.lib.urls import absolute_url

DEMO_CALENDAR = Path(__file__).resolve().parent / "static" / "booking" / "demo-calendar.ics"


def own_calendar(out) -> None:
    if BusyCalendar.objects.exists():
        return
    calendar = busy.calendar_add(
        address=absolute_url(f"{settings.STATIC_URL}booking/demo-calendar.ics"),
        label="Demokalender (påhittad, en fil som sidan själv visar)",
        actor=SYSTEM,
    )
    busy.calendar_import(calendar=calendar, data=DEMO_CALENDAR.read_bytes(), now=timezone.now())
    out.write(
        "Own calendar: a demo calendar (busy Tuesdays 13-15 and Thursdays 9-10:30) blocks those "
        "slots; see /staff/booking/busy-calendars/.\n"
    )
