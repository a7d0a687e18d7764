"""Booking's background work (thin wrappers around its services): expire holds, set up the
video meeting and confirm, move it after a move, clean up after a cancellation."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from consonance.booking import busy, changes, meetings, selectors, services
from consonance.worker.schedule import Periodic


@task
def booking_expire_holds_task() -> int:
    """Every minute: free the slots of holds whose payment did not arrive in time."""
    return services.booking_expire_holds()


@task
def booking_confirmed_task(booking_id: int) -> str:
    """After a booking is confirmed: create its video meeting, then send the confirmation."""
    return meetings.booking_meeting_setup(booking_id=booking_id)


@task
def booking_cancelled_task(booking_id: int) -> str:
    """After a cancellation: delete the video meeting (the refund is its own task)."""
    return meetings.booking_meeting_delete(booking_id=booking_id)


@task
def booking_moved_task(booking_id: int) -> str:
    """After a move: give the Zoom meeting the new time (retried by booking-zoom-sync)."""
    return meetings.booking_meeting_move(booking_id=booking_id)


@task
def booking_zoom_sync_task() -> int:
    """Every minute: the moved bookings whose Zoom meeting is due another try (a retry after a
    failure, or a task that was lost), one task each."""
    due = selectors.zoom_sync_due(timezone.now())
    for booking_id in due:
        booking_moved_task.enqueue(booking_id)
    return len(due)


@task
def booking_remind_task() -> int:
    """Every ten minutes: remind the clients whose session is near (CONSONANCE_REMINDER_HOURS)
    and those whose Bankgiro invoice is due soon and unpaid."""
    return changes.booking_send_reminders() + changes.booking_send_payment_reminders()


@task
def booking_busy_calendars_task() -> int:
    """Every 15 minutes: read the coach's own calendars for busy times (booking/busy.py)."""
    return busy.calendars_read_all()


PERIODIC = [
    Periodic(
        "booking-busy-calendars",
        timedelta(minutes=15),
        "consonance.booking.tasks.booking_busy_calendars_task",
    ),
    Periodic(
        "booking-remind",
        timedelta(minutes=10),
        "consonance.booking.tasks.booking_remind_task",
    ),
    Periodic(
        "booking-zoom-sync",
        timedelta(minutes=1),
        "consonance.booking.tasks.booking_zoom_sync_task",
    ),
    Periodic(
        "booking-expire-holds",
        timedelta(minutes=1),
        "consonance.booking.tasks.booking_expire_holds_task",
    ),
]
