"""Booking's background work: expire holds, set up the video meeting and confirm, clean up."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from consonance.booking.models import Booking
from consonance.booking.zoom import ZoomError
from consonance.worker.schedule import Periodic

log = logging.getLogger(__name__)

TOPIC = {"sv": "Samtal", "en": "Session"}  # never the client's name (see zoom.py)


@task
def booking_expire_holds_task() -> int:
    """Every minute: free the slots of holds whose payment did not arrive in time."""
    from consonance.booking.services import booking_expire_holds

    return booking_expire_holds()


@task
def booking_confirmed_task(booking_id: int) -> str:
    """After a booking is confirmed: create its video meeting, then send the confirmation.

    Idempotent: a meeting is created only for a booking without one, and the confirmation is
    queued once. If Zoom fails, the fixed link (when configured) stands in; otherwise the
    confirmation says the link comes separately and the staff page shows the booking without.
    """
    from consonance.booking.services import booking_send_confirmation, booking_set_meeting
    from consonance.payments.providers.config import fixed_video_link, video_meetings

    booking = Booking.objects.select_related("service").filter(pk=booking_id).first()
    if booking is None or booking.state != Booking.State.CONFIRMED:
        return "not confirmed"
    if booking.service.has_slot and not booking.join_url:
        video = video_meetings()
        meeting = None
        if video is not None:
            starts_at = booking.starts_at
            assert starts_at is not None  # a confirmed video booking has its time slot
            try:
                meeting = video.create_meeting(
                    topic=TOPIC.get(booking.language, "Samtal"),
                    start=starts_at,
                    duration_minutes=booking.service.duration_minutes,
                )
            except ZoomError:
                log.warning("no video meeting for booking %s", booking.pk)
                fallback = fixed_video_link()
                if fallback is not None:
                    meeting = fallback.create_meeting(topic="", start=starts_at, duration_minutes=1)
        if meeting is not None:
            stored = booking_set_meeting(
                booking_id=booking.pk, meeting_id=meeting.id, join_url=meeting.join_url
            )
            if not stored and meeting.id and video is not None:
                video.delete_meeting(meeting.id)  # another run got there first
    booking_send_confirmation(booking_id=booking_id)
    return "confirmed"


@task
def booking_cancelled_task(booking_id: int) -> str:
    """After a cancellation: delete the Zoom meeting (the refund is its own task)."""
    from consonance.payments.providers.config import video_meetings

    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None or not booking.zoom_meeting_id:
        return "nothing to delete"
    video = video_meetings()
    if video is None:
        return "no video service"
    try:
        video.delete_meeting(booking.zoom_meeting_id)
    except ZoomError:
        log.warning("could not delete the video meeting of booking %s", booking.pk)
        raise
    Booking.objects.filter(pk=booking_id).update(zoom_meeting_id="")
    return "deleted"


PERIODIC = [
    Periodic(
        "booking-expire-holds",
        timedelta(minutes=1),
        "consonance.booking.tasks.booking_expire_holds_task",
    )
]
