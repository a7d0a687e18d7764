"""Calendar files (ICS) for confirmed bookings.

P20 Beyond: the file carries no more personal data than needed. No client name, no e-mail
address, no attendee list: a summary naming the kind of consultation and the practice, the
time, the meeting link for video, the practice as organiser, and a stable UID that is not
derived from the person.

One UID per booking for its whole life, so that the client's calendar keeps one event: a move
sends the file again with SEQUENCE one higher (Booking.ics_sequence), which replaces the old
event; a cancellation sends METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE still,
which removes it (RFC 5545 3.8.7.4, RFC 5546 3.2.5).
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from consonance.booking.models import Booking
from consonance.lib.urls import site_host
from consonance.privacy.policy import get_policy

FILENAME = "konsultation.ics"


def mimetype(*, cancelled: bool = False) -> str:
    """The attachment's type, with the method mail programs read to update the calendar."""
    return f"text/calendar; method={'CANCEL' if cancelled else 'PUBLISH'}"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}-{booking.nonce}@{site_host()}"


def booking_ics(booking: Booking, *, cancelled: bool = False) -> bytes:
    """The booking's calendar file; with `cancelled`, the one that takes it out of a calendar."""
    starts_at, ends_at = booking.starts_at, booking.ends_at
    assert starts_at is not None and ends_at is not None  # only bookings with a time slot
    controller = get_policy().controller
    if booking.service.kind == "video":
        summary = (
            "Video consultation – " if booking.language == "en" else "Videokonsultation – "
        ) + controller.name
    else:
        summary = (
            "E-mail consultation – " if booking.language == "en" else "E-postkonsultation – "
        ) + controller.name
    calendar = Calendar()
    calendar.add("prodid", "-//Consonance//booking//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.ics_sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    organizer = vCalAddress(f"mailto:{controller.email}")
    organizer.params["cn"] = vText(controller.name)
    event.add("organizer", organizer)
    if booking.join_url and not cancelled:
        event.add("location", booking.join_url)
        event.add("url", booking.join_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
