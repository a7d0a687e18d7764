"""The booking app's reactions to hooks of the apps below it, registered in BookingConfig.ready()."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consonance.booking import selectors, services
from consonance.booking.models import Booking
from consonance.lib import overview
from consonance.lib.money import format_amount
from consonance.lib.time import STOCKHOLM
from consonance.payments import hooks as payment_hooks
from consonance.people.models import Person
from consonance.rights import hooks as rights_hooks

# The overview warns about a video session without a link this long before it.
LINK_WARNING = timedelta(hours=48)


def waiting_links(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Video sessions soon without a link: the client must get one in time."""
    return [
        overview.Waiting(
            group=_("Videolänk saknas"),
            text=booking.person.first_name,
            url=reverse("staff-booking-detail", args=[booking.pk]),
            due_at=booking.starts_at,
        )
        for booking in selectors.sessions_without_link(query.now, LINK_WARNING)[: query.limit]
    ]


def _upcoming(person_id: int) -> list[Booking]:
    """Her confirmed sessions ahead (video with a time; an e-mail package not yet begun)."""
    return list(
        Booking.objects.filter(
            person_id=person_id, state=Booking.State.CONFIRMED, starts_at__gt=timezone.now()
        ).select_related("service", "order")
    )


def _label(booking: Booking, language: str) -> str:
    with translation.override(language):
        assert booking.starts_at is not None  # _upcoming: sessions with a time
        local = booking.starts_at.astimezone(STOCKHOLM)
        return f"{booking.service.name}, {formats.date_format(local, 'j F Y')} {local:%H:%M}"


def sessions_held(person: Person) -> list[rights_hooks.HeldSession]:
    """Rights asks (before an erasure or a restriction) which sessions she has ahead; labelled in
    the language she is reading in (the coach's note asks for Swedish)."""
    now = timezone.now()
    language = translation.get_language() or person.language
    return [
        rights_hooks.HeldSession(
            label=_label(booking, language),
            ends_at=booking.ends_at or booking.starts_at or now,
            refund=format_amount(amount, language)
            if (amount := selectors.refund_due(booking, now))
            else "",
        )
        for booking in _upcoming(person.pk)
    ]


def sessions_cancel(asked: rights_hooks.SessionsCancel) -> list[str]:
    """She chose to cancel them: each under the service's rule; a line each for her receipt."""
    lines = []
    language = translation.get_language() or asked.person.language
    for booking in _upcoming(asked.person.pk):
        refund = services.booking_cancel(booking_id=booking.pk, actor=asked.actor)
        with translation.override(language):
            if refund > 0:
                done = _("avbokat, %(amount)s betalas tillbaka") % {
                    "amount": format_amount(refund, language)
                }
            else:
                done = _("avbokat, inget återbetalas enligt villkoren")
        lines.append(f"{_label(booking, language)}: {done}")
    return lines


def register() -> None:
    payment_hooks.order_paid.register(services.booking_confirm_paid)
    payment_hooks.payment_failed.register(services.booking_release_failed_payment)
    overview.waiting.register(waiting_links)
    rights_hooks.sessions_held.register(sessions_held)
    rights_hooks.sessions_cancel.register(sessions_cancel)
