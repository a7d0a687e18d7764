"""The video meeting of a confirmed booking, and its confirmation e-mail (run by booking.tasks).

Idempotent: a meeting is created only for a booking without one, and the confirmation is queued
once. If Zoom fails, the fixed link (when configured) stands in; otherwise the confirmation says
the link comes separately and the staff page shows the booking without.

A moved booking's Zoom meeting follows it (`booking_meeting_move`): the move marks the booking
zoom_sync "pending"; a run claims it with one conditional UPDATE (so two runs never call Zoom for
one booking at once), sends the new time and keeps the link. A failure that may pass (Zoom
unreachable, busy, a token refused) is retried after 1, 2, 4, 8 and 16 minutes ("booking-zoom-sync"
picks up what is due); one that will not (Zoom no longer knows the meeting, or refuses the
request), or the last try, marks it "failed": her overview lists it and she gets a short e-mail.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consonance.booking import emails
from consonance.booking.models import Booking, ZoomSync
from consonance.booking.zoom import ZoomError, fixed_video_link, video_meetings

log = logging.getLogger(__name__)

TOPIC = {"sv": "Samtal", "en": "Session"}  # never the client's name (see zoom.py)
SYNC_ATTEMPTS = 6
SYNC_LEASE = timedelta(minutes=2)  # longer than a run's calls to Zoom may take
SYNC_FOR_GOOD = (400, 404)  # a refused request, a meeting Zoom no longer knows


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


def booking_meeting_move(*, booking_id: int, now: datetime | None = None) -> str:
    """After a move: give the booking's Zoom meeting its new start and length (same link).
    Returns "updated", "retry", "failed", "again" (moved once more meanwhile: the next run
    sends the newer time), "in step" (nothing left to move) or "skipped" (not pending or due)."""
    now = now or timezone.now()
    lease = now + SYNC_LEASE
    claimed = Booking.objects.filter(
        pk=booking_id, zoom_sync=ZoomSync.PENDING, zoom_sync_next_at__lte=now
    ).update(zoom_sync_next_at=lease, zoom_sync_attempts=F("zoom_sync_attempts") + 1)
    if not claimed:
        return "skipped"
    booking = Booking.objects.select_related("service", "person").get(pk=booking_id)
    starts_at = booking.starts_at
    if not booking.is_active or not booking.zoom_meeting_id or not starts_at or starts_at <= now:
        _sync_settle(booking_id, lease, zoom_sync=ZoomSync.IN_STEP)  # cancelled, or past
        return "in step"
    video = video_meetings()
    if video is None:  # Zoom is no longer configured: nothing can move the meeting now
        return _sync_failed(booking, lease, ZoomError("no video service"), now, for_good=True)
    try:
        video.update_meeting(
            booking.zoom_meeting_id,
            start=starts_at,
            duration_minutes=booking.service.duration_minutes,
        )
    except ZoomError as error:
        return _sync_failed(booking, lease, error, now)
    if _sync_settle(booking_id, lease, starts_at=starts_at, zoom_sync=ZoomSync.IN_STEP):
        log.info("video meeting of booking %s moved", booking_id)
        return "updated"
    _sync_settle(booking_id, lease, zoom_sync=ZoomSync.PENDING, next_at=now)
    return "again"


def _sync_settle(booking_id: int, lease: datetime, *, zoom_sync: str, **match) -> bool:
    """End this run's claim (still ours: same lease, and `match`, e.g. the time sent)."""
    next_at = match.pop("next_at", None)
    changes: dict = {"zoom_sync": zoom_sync, "zoom_sync_next_at": next_at}
    if zoom_sync == ZoomSync.IN_STEP:
        changes["zoom_sync_attempts"] = 0
    return bool(
        Booking.objects.filter(
            pk=booking_id, zoom_sync=ZoomSync.PENDING, zoom_sync_next_at=lease, **match
        ).update(**changes)
    )


def _sync_failed(
    booking: Booking, lease: datetime, error: ZoomError, now: datetime, *, for_good: bool = False
) -> str:
    attempts = booking.zoom_sync_attempts
    if not for_good and error.status not in SYNC_FOR_GOOD and attempts < SYNC_ATTEMPTS:
        next_at = now + timedelta(minutes=2 ** (attempts - 1))
        _sync_settle(booking.pk, lease, zoom_sync=ZoomSync.PENDING, next_at=next_at)
        log.info(
            "video meeting of booking %s not moved yet, try %s: %s", booking.pk, attempts, error
        )
        return "retry"
    if _sync_settle(booking.pk, lease, zoom_sync=ZoomSync.FAILED):
        log.warning("video meeting of booking %s could not be moved: %s", booking.pk, error)
        emails.coach_notify(booking, "video_failed")
    return "failed"
