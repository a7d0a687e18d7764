"""What the coach is asked to confirm before she books or moves a session to a time clients could
not choose: outside her opening hours, on a closed day, in a holiday, or busy in her own calendar.

Clients are never offered such a time (selectors.free_slots); the coach may choose one, but only
after she has seen why it is unusual and confirmed it for that very time (the form sends the
start she confirmed back, so a changed time is checked again). Nothing is saved or mailed before.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from consonance.booking import availability, selectors
from consonance.booking.busy import busy_between
from consonance.booking.models import DayOff, PracticeSettings
from consonance.lib.time import STOCKHOLM
from consonance.privacy.holidays import holiday_on


class NeedsConfirmation(Exception):
    """The time is unusual: `reasons` in words, for the coach to confirm."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("needs confirmation")
        self.reasons = reasons


def confirmation_key(starts_at: datetime) -> str:
    """What the confirm button sends: the start it confirms, in Stockholm (minutes)."""
    return starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


def _day(value) -> str:
    return formats.date_format(value, "j F")


def unusual_time_reasons(
    starts_at: datetime, ends_at: datetime, settings: PracticeSettings
) -> list[str]:
    """Why a session from `starts_at` to `ends_at` is outside what clients may book; [] if not."""
    reasons: list[str] = []
    day = starts_at.astimezone(STOCKHOLM).date()
    holiday = holiday_on(day)
    if holiday is not None:
        reasons.append(
            _("Dagen ligger i din semester (%(first)s–%(last)s).")
            % {"first": _day(holiday.first_day), "last": _day(holiday.last_day)}
        )
    if DayOff.objects.filter(day=day, start__isnull=True).exists():
        reasons.append(_("Dagen är markerad som stängd bland dina lediga dagar."))
    elif not availability.within_opening_hours(
        selectors.schedule_load(settings, holidays=False), starts_at, ends_at
    ):
        local = starts_at.astimezone(STOCKHOLM)
        reasons.append(
            _("%(weekday)s kl. %(time)s ligger utanför dina öppettider.")
            % {
                "weekday": formats.date_format(local, "l j F").capitalize(),
                "time": f"{local:%H:%M}",
            }
        )
    if next(iter(busy_between(starts_at, ends_at)), None) is not None:
        reasons.append(_("Du är upptagen då enligt din egen kalender."))
    return reasons


def check_unusual_time(
    starts_at: datetime, ends_at: datetime, settings: PracticeSettings, confirmed: str
) -> None:
    """Raise NeedsConfirmation unless the time is usual or `confirmed` names this very start."""
    if confirmed and confirmed == confirmation_key(starts_at):
        return
    reasons = unusual_time_reasons(starts_at, ends_at, settings)
    if reasons:
        raise NeedsConfirmation(reasons)
