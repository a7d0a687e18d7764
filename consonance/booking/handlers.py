"""The booking app's reactions to hooks of the apps below it, registered in BookingConfig.ready()."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.booking import selectors, services
from consonance.lib import overview
from consonance.payments import hooks as payment_hooks

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


def register() -> None:
    payment_hooks.order_paid.register(services.booking_confirm_paid)
    payment_hooks.payment_failed.register(services.booking_release_failed_payment)
    overview.waiting.register(waiting_links)
