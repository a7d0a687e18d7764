"""The coach's private calendar feed (ICS over a secret address her phone subscribes to).

The address holds a random secret; only its SHA-256 is stored, so the database alone cannot
rebuild it. Making a new address revokes the old one. The feed holds minimal data: the service,
the client's first name, the time and a link to the booking's staff page (behind sign-in).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from consonance.audit.services import audit_append
from consonance.booking.models import Booking, CalendarFeed
from consonance.lib.urls import absolute_url, site_host

PAST = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_active() -> CalendarFeed | None:
    return CalendarFeed.objects.filter(revoked_at__isnull=True).first()


def feed_create(*, actor: str) -> str:
    """A new secret address (the old one stops working). Returns the secret, shown once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        feed = CalendarFeed.objects.create(token_hash=_hash(token))
        audit_append(actor=actor, action="calendar_feed.created", detail={"feed": feed.pk})
    return token


def feed_revoke(*, actor: str) -> bool:
    with transaction.atomic():
        changed = CalendarFeed.objects.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit_append(actor=actor, action="calendar_feed.revoked")
    return bool(changed)


def feed_valid(token: str) -> bool:
    return (
        bool(token)
        and CalendarFeed.objects.filter(token_hash=_hash(token), revoked_at__isnull=True).exists()
    )


def feed_ics(*, now: datetime | None = None) -> bytes:
    """The confirmed (and held) sessions from 30 days back on, as one calendar."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Consonance//coach//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Consonance")
    host = site_host()
    rows = (
        Booking.objects.filter(
            state__in=(Booking.State.CONFIRMED, Booking.State.HELD, Booking.State.NO_SHOW),
            starts_at__gte=now - PAST,
        )
        .select_related("service", "person")
        .only("pk", "starts_at", "ends_at", "state", "service__name_sv", "person__first_name")
        .order_by("starts_at")
    )
    for booking in rows.iterator(chunk_size=500):
        assert booking.starts_at is not None and booking.ends_at is not None  # filtered above
        event = Event()
        event.add("uid", f"coach-booking-{booking.pk}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", booking.starts_at.astimezone(UTC))
        event.add("dtend", booking.ends_at.astimezone(UTC))
        summary = f"{booking.person.first_name} – {booking.service.name_sv}"
        if booking.state == Booking.State.HELD:
            summary += " (obetald)"
        event.add("summary", summary)
        event.add("url", absolute_url(reverse("booking_staff:detail", args=[booking.pk])))
        event.add("status", "TENTATIVE" if booking.state == Booking.State.HELD else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
