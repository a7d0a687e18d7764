"""Calendar files (ICS) for confirmed bookings.

P20 Beyond: the file carries no more personal data than needed. No client name, no e-mail
address, no attendee list: a summary naming the kind of consultation and the practice, the
time, the meeting link for video, and a stable UID that is not derived from the person.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from consonance.booking.models import Booking
from consonance.lib.urls import site_host
from consonance.privacy.policy import get_policy


def booking_ics(booking: Booking) -> bytes:
    starts_at, ends_at = booking.starts_at, booking.ends_at
    assert starts_at is not None and ends_at is not None  # only bookings with a time slot
    controller = get_policy().controller.name
    if booking.service.kind == "video":
        summary = (
            "Video consultation – " if booking.language == "en" else "Videokonsultation – "
        ) + controller
    else:
        summary = (
            "E-mail consultation – " if booking.language == "en" else "E-postkonsultation – "
        ) + controller
    calendar = Calendar()
    calendar.add("prodid", "-//Consonance//booking//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.pk}-{booking.nonce}@{site_host()}")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    if booking.join_url:
        event.add("location", booking.join_url)
        event.add("url", booking.join_url)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
