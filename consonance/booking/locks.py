"""The bookings lock: every change to the set of active bookings (a new hold, a move, a booking
the coach makes, a cancellation, expiring holds) takes it first, in its own transaction, so that
no two writers can give one slot to two bookings.

It is the PracticeSettings row with SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions already admit one writer at a time.
"""

from __future__ import annotations

from django.db import connection

from consonance.booking.models import PracticeSettings


def lock_bookings() -> PracticeSettings:
    """Serialise every change to the set of active bookings; the settings row, locked."""
    PracticeSettings.load()  # make sure the row exists before locking it
    if connection.vendor == "postgresql":
        return PracticeSettings.objects.select_for_update().get(pk=1)
    return PracticeSettings.objects.get(pk=1)
