"""Booking's background work (thin wrappers around its services): expire holds, set up the
video meeting and confirm, clean up after a cancellation."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.booking import changes, meetings, services
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
def booking_remind_task() -> int:
    """Every ten minutes: remind the clients whose session is near (CONSONANCE_REMINDER_HOURS)
    and those whose Bankgiro invoice is due soon and unpaid."""
    return changes.booking_send_reminders() + changes.booking_send_payment_reminders()


PERIODIC = [
    Periodic(
        "booking-remind",
        timedelta(minutes=10),
        "consonance.booking.tasks.booking_remind_task",
    ),
    Periodic(
        "booking-expire-holds",
        timedelta(minutes=1),
        "consonance.booking.tasks.booking_expire_holds_task",
    ),
]
