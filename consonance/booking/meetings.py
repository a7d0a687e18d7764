"""The video meeting of a confirmed booking, and its confirmation e-mail (run by booking.tasks).

Idempotent: a meeting is created only for a booking without one, and the confirmation is queued
once. If Zoom fails, the fixed link (when configured) stands in; otherwise the confirmation says
the link comes separately and the staff page shows the booking without.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from consonance.booking import emails
from consonance.booking.models import Booking
from consonance.booking.zoom import ZoomError, fixed_video_link, video_meetings

log = logging.getLogger(__name__)

TOPIC = {"sv": "Samtal", "en": "Session"}  # never the client's name (see zoom.py)


def booking_set_meeting(*, booking_id: int, meeting_id: str, join_url: str) -> bool:
    """Store the video meeting; False when the booking already has one (or is not confirmed)."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.join_url or booking.state != Booking.State.CONFIRMED:
            return False
        booking.zoom_meeting_id = meeting_id
        booking.join_url = join_url
        booking.save(update_fields=["zoom_meeting_id", "join_url"])
    return True


def booking_send_confirmation(*, booking_id: int) -> bool:
    """Queue the confirmation e-mail once. True when it was queued now."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("service", "order", "person")
            .get(pk=booking_id)
        )
        if booking.confirmation_sent_at or booking.state != Booking.State.CONFIRMED:
            return False
        emails.confirmed(booking)
        booking.confirmation_sent_at = timezone.now()
        booking.save(update_fields=["confirmation_sent_at"])
    return True


def booking_meeting_setup(*, booking_id: int) -> str:
    """After a booking is confirmed: create its video meeting, then send the confirmation."""

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


def booking_meeting_delete(*, booking_id: int) -> str:
    """After a cancellation: delete the Zoom meeting (the refund is its own task)."""

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
